import { render } from 'preact';
import { App } from './components/app.tsx';
import './styles.css';

/** The worker marks a read-only console in the page it serves (`CONSOLE_READ_ONLY`). */
const serverReadOnly = document.querySelector('meta[name="edgecd-read-only"]')?.getAttribute('content') === 'true';

render(<App serverReadOnly={serverReadOnly} />, document.getElementById('console')!);
