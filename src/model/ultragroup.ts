// Ultra group vocabulary shared by the store, the core and the REST routes.

/** `muted`: may not send in the scope; `allowed`: may send while the scope is muted as a whole. */
export type UltraGroupUserList = 'muted' | 'allowed';

/** One ultra group message as the history endpoints show it. */
export interface UltraGroupMessageRow {
  busChannel: string;
  fromUserId: string;
  messageUId: string;
  sentTime: number;
  objectName: string;
  content: string;
  /** Sent with `expansion`: key/values may be set on it. */
  expansion: boolean;
  /** Its expansion key/values as JSON text, `{"key":{"v":"value","ts":<ms>}}`; `{}` when none. */
  extraContent: string;
}
