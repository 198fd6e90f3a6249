/** A message's key/values changed, as a device is told (docs/protocol.md "Expansion changes"). */
export interface ExpansionChange {
  /** The message whose key/values changed. */
  messageUId: string;
  /** Its conversation, as this user sees it. */
  conversationType: number;
  targetId: string;
  busChannel: string;
  operatorId: string;
  changedAt: number;
  /** Keys set, with their values; or `del`: keys removed. */
  put?: Record<string, string>;
  del?: string[];
  /** The inbox entry it came as (ack it like a message's). */
  seq?: number;
}
