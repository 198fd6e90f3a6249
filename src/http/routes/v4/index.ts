import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../../deps.js';
import { nexconnMessageDeleteRoute } from './message-delete.js';
import { nexconnMessageMetadataRoutes } from './message-metadata.js';
import { nexconnOpenChannelMetadataRoutes } from './open-channel-metadata.js';
import { nexconnSendRoutes } from './sends.js';
import { nexconnUserRoutes } from './users.js';

/** Nexconn's v4 JSON API (docs/nexconn-v4.md): signed like v1, each route a translation onto the services v1 calls. */
export function nexconnRoutes(signed: FastifyInstance, deps: Pick<Deps, 'delivery' | 'recalls' | 'users' | 'permissions' | 'expansion' | 'chatrooms'>): void {
  nexconnUserRoutes(signed, deps.users, deps.permissions);
  nexconnSendRoutes(signed, deps.delivery);
  nexconnMessageDeleteRoute(signed, deps.recalls);
  nexconnMessageMetadataRoutes(signed, deps.expansion);
  nexconnOpenChannelMetadataRoutes(signed, deps.chatrooms);
}
