/** Entry point of the console bundle (dist/console/ui/app.js): mounts the app into index.html's #app. */
import { render } from 'preact';
import { App } from './app.tsx';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
