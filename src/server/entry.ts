/** `node dist/server.js --stdio`: starts the language server (see main.ts). */

import { runLanguageServer } from './main';

runLanguageServer();
