import { render } from 'preact';
import { App } from './app';
import { loadCore } from './messaging/core';
import { registerWorker } from './offline';
import './styles/main.scss';

// Only js-enabled, not nhsuk-frontend-supported: the pages do not run
// nhsuk-frontend's own scripts, so components keep their no-script
// layout (the header navigation wraps instead of collapsing into "More").
document.body.classList.add('js-enabled');

// On a messaging page the core is needed at once: fetch and compile it
// while the app renders, not after the page has asked for it.
if (location.pathname === '/messages' || location.pathname.startsWith('/messages/')) {
  loadCore().catch(() => {}); // the page asks again and shows any error
}

render(<App />, document.getElementById('app')!);

registerWorker();
