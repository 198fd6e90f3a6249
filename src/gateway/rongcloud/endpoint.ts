import type { GatewayEndpoint } from '../gateway.js';
import { RongCloudConnection, type RongCloudOptions } from './connection.js';
import type { RongCloudServices } from './services.js';

export const defaultRongCloudOptions: RongCloudOptions = {
  // A content of 128 KB plus its envelope fits, as on `/ws`.
  maxFrameBytes: 512 * 1024,
  ultraGroupFeedSize: 500,
  pullPageSize: 200,
};

/** RongCloud's WebSocket path, served by the gateway beside `/ws`. */
export function rongCloudEndpoint(services: RongCloudServices, options: RongCloudOptions = defaultRongCloudOptions): GatewayEndpoint {
  return {
    path: '/websocket',
    maxFrameBytes: options.maxFrameBytes,
    accept: (ws, request, context) => new RongCloudConnection(ws, request, context, services, options),
  };
}
