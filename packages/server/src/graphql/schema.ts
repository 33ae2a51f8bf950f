import { builder } from './builder.js';
import './types/scalars.js';
import './types/errors.js';
import './types/enums.js';
import './types/viewer.js';
import './types/agent.js';
import './types/api-token.js';
import './types/inbox.js';
import './types/tag.js';
import './types/contact.js';
import './types/message.js';
import './types/conversation.js';
import './types/smart-folder.js';
import './types/mail.js';
import './types/outbound.js';

export const schema = builder.toSchema({ sortSchema: true });
