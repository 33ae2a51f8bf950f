// Worker thread entry of createMailPreparer (prepare-mail.ts): parses inbound mail and computes its spam features.
import { serveTasks } from '../../background/worker-pool.js';
import { prepareForPool } from './prepare-mail.js';

serveTasks(prepareForPool);
