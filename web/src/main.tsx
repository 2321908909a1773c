import { render } from 'preact';
import { App } from './app';
import './styles/main.scss';

// What nhsuk-frontend's inline snippet would do; inline scripts are not
// allowed by the CSP.
document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');

render(<App />, document.getElementById('app')!);
