import type { RoomMember } from '../store/chatroom-members.js';
import type { NodeEvents } from './node-events.js';

/** Tells the nodes holding `removed` sessions that those sessions left `roomId`. */
export async function forgetRoom(nodes: NodeEvents, appKey: string, roomId: string, removed: readonly RoomMember[]): Promise<void> {
  const byNode = new Map<string, string[]>();
  for (const member of removed) byNode.set(member.nodeId, [...(byNode.get(member.nodeId) ?? []), member.sessionId]);
  await Promise.all([...byNode].map(([nodeId, sessionIds]) => nodes.send(nodeId, { type: 'room-left', appKey, roomId, sessionIds })));
}
