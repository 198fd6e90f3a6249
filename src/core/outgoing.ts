import type { MessageView } from '../model/message.js';

/**
 * One message view on its way to devices, serialised once (docs/architecture.md "Hot
 * path"): every recipient of a group message shares it, and what differs per copy (the
 * inbox seq) is added to the text without serialising the whole again. Read as an object
 * only by a transport that needs one.
 */
export class OutgoingMessage {
  private parsed: MessageView | undefined;

  constructor(
    /** The view as JSON text: an object, so `withSeq` can add a field before its last brace. */
    readonly json: string,
    view?: MessageView,
  ) {
    this.parsed = view;
  }

  static of(view: MessageView): OutgoingMessage {
    return new OutgoingMessage(JSON.stringify(view), view);
  }

  get view(): MessageView {
    return (this.parsed ??= JSON.parse(this.json) as MessageView);
  }

  /**
   * Whether the message is of this type, read from the text without parsing it: the view's
   * own `"objectName":"…"` pair is the only one unescaped (content is a JSON string inside).
   */
  isOfType(objectName: string): boolean {
    return this.parsed ? this.parsed.objectName === objectName : this.json.includes(`"objectName":${JSON.stringify(objectName)}`);
  }

  /** The JSON of the view as one recipient gets it: with its inbox seq, if it has one. */
  withSeq(seq: number | undefined): string {
    return seq === undefined ? this.json : `${this.json.slice(0, -1)},"seq":${seq}}`;
  }
}

/**
 * The inbox record: what the store keeps per entry, behind a version tag so that a later
 * shape can be told from this one. Version 1 is `1` followed by the view's JSON; an entry
 * without a tag (written before tags existed) is the bare JSON.
 */
export const inboxRecord = {
  encode(message: OutgoingMessage): string {
    return `1${message.json}`;
  },
  decode(payload: string): OutgoingMessage {
    if (payload.startsWith('1{')) return new OutgoingMessage(payload.slice(1));
    if (payload.startsWith('{')) return new OutgoingMessage(payload);
    throw new Error(`inbox record of an unknown version: ${payload.slice(0, 8)}`);
  },
};
