// The agent is a small daemon that waits most of the time: its young
// generation need not grow. By default V8 doubles the semi-spaces as
// allocation goes on (start-up alone takes them to 16 MB), and an idle agent
// keeps the pages. Kept at their initial size, the agent uses about 5 MB less
// resident memory idle (bench/wave.ts measures it), for a few more minor
// collections under load. Set before anything else is loaded; a V8 that
// ignores the flag only loses the saving.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');
