import { render } from 'preact';
import { App } from './app';
import './styles/main.scss';

// Only js-enabled, not nhsuk-frontend-supported: the pages do not run
// nhsuk-frontend's own scripts, so components keep their no-script
// layout (the header navigation wraps instead of collapsing into "More").
document.body.classList.add('js-enabled');

render(<App />, document.getElementById('app')!);
