import protobuf from 'protobufjs';

/**
 * The protobuf messages of RongCloud's client protocol that Parley reads or writes
 * (docs/rongcloud-client-protocol.md), written out from what the Web SDK sends and
 * expects. Field numbers and wire types must match the SDK's; names are the SDK's so a
 * captured frame reads the same. Proto2, as the SDK's own schema: a `required` field
 * the SDK expects must always be set. Conversation types are carried as int32 (the SDK
 * declares an enum; both encode as the same varint).
 */
const schemaText = `
syntax = "proto2";
package rongcloud;

message NotifyMsg {
  required int32 type = 1;
  optional int64 time = 2;
  optional string chrmId = 3;
}

message SyncRequestMsg {
  required int64 syncTime = 1;
  required bool ispolling = 2;
  optional bool isweb = 3;
  optional bool isPullSend = 4;
  optional int64 sendBoxSyncTime = 6;
  optional int64 broadcastSyncTime = 7;
  optional bool compressioEnabled = 9;
}

message PushExtra {
  optional string title = 1;
  optional string pushId = 3;
  optional string pushConfigs = 4;
  optional string templateId = 5;
}

message UpStreamMessage {
  required int32 sessionId = 1;
  required string classname = 2;
  required string content = 3;
  optional string pushText = 4;
  optional string appData = 5;
  repeated string toUserIds = 6;
  optional int32 configFlag = 9;
  optional int64 clientUniqueId = 10;
  optional string extraContent = 11;
  optional PushExtra pushExt = 12;
  optional string busChannel = 13;
  optional int64 optionBits = 22;
}

message DownStreamMessage {
  required string fromUserId = 1;
  required int32 type = 2;
  optional string groupId = 3;
  required string classname = 4;
  required string content = 5;
  required int64 dataTime = 6;
  required int64 status = 7;
  optional string msgId = 9;
  optional int32 direction = 10;
  optional int64 clientUniqueId = 14;
  optional string extraContent = 15;
  optional string pushContent = 16;
  optional string busChannel = 19;
  optional int64 extStatus = 20;
  repeated string toUserIds = 21;
}

message DownStreamMessages {
  repeated DownStreamMessage list = 1;
  required int64 syncTime = 2;
  optional bool finished = 3;
  optional int64 broadcastSyncTime = 4;
  optional int64 systemTime = 5;
  optional int64 credibleStartTime = 6;
  optional int64 credibleEndTime = 7;
}

message ChrmDownStreamMessages {
  repeated bytes list = 1;
  required int64 syncTime = 2;
}

message HistoryMsgInput {
  optional string targetId = 1;
  optional int64 time = 2;
  optional int32 count = 3;
  optional int32 order = 4;
  optional string busChannel = 5;
  optional bool compressioEnabled = 6;
}

message HistoryMsgOuput {
  repeated DownStreamMessage list = 1;
  required int64 syncTime = 2;
  required int32 hasMsg = 3;
}

message RelationQryInput {
  optional int32 type = 1;
  optional int32 count = 2;
  optional int64 startTime = 3;
  optional int32 order = 4;
}

message RelationInfo {
  required int32 type = 1;
  required string userId = 2;
  optional DownStreamMessage msg = 3;
  optional int64 unreadCount = 5;
  optional string busChannel = 6;
  optional int64 versionTime = 7;
}

message RelationsOutput {
  repeated RelationInfo info = 1;
  optional bool isFinished = 2;
}

message UltraGrpPullMsg {
  required int64 syncTime = 1;
  optional bool compressioEnabled = 2;
}

message UltraGrpPullSes {
  required int64 syncTime = 1;
  optional bool isEraseMsgContent = 2;
}

message ChrmInput {
  required int32 nothing = 1;
  optional string extra = 2;
}

message ChrmOutput {
  required int32 nothing = 1;
  optional int64 joinTime = 3;
  optional int32 memberCount = 5;
}

message ChrmPullMsg {
  required int64 syncTime = 1;
  required int32 count = 2;
}

message ChrmKVEntity {
  required string key = 1;
  required string value = 2;
  optional int32 status = 3;
  optional int64 timestamp = 4;
  optional string uid = 5;
  optional int64 version = 6;
}

message SetChrmKV {
  required ChrmKVEntity entry = 1;
  optional bool bNotify = 2;
  optional UpStreamMessage notification = 3;
}

message QueryChrmKV {
  required int64 timestamp = 1;
}

message ChrmKVOutput {
  repeated ChrmKVEntity entries = 1;
  optional bool bFullUpdate = 2;
  optional int64 syncTime = 3;
}
`;

export interface NotifyMsg { type: number; time?: number; chrmId?: string }
export interface SyncRequestMsg { syncTime: number; ispolling: boolean; isPullSend?: boolean; sendBoxSyncTime?: number; broadcastSyncTime?: number }
export interface UpStreamMessage {
  sessionId: number;
  classname: string;
  content: string;
  pushText?: string;
  appData?: string;
  toUserIds?: string[];
  clientUniqueId?: number;
  extraContent?: string;
  busChannel?: string;
}
export interface DownStreamMessage {
  fromUserId: string;
  type: number;
  groupId?: string;
  classname: string;
  content: string;
  dataTime: number;
  status: number;
  msgId?: string;
  direction?: number;
  extraContent?: string;
  pushContent?: string;
  busChannel?: string;
  extStatus?: number;
}
export interface DownStreamMessages { list: DownStreamMessage[]; syncTime: number; finished?: boolean; credibleStartTime?: number; credibleEndTime?: number }
export interface ChrmDownStreamMessages { list: Uint8Array[]; syncTime: number }
export interface HistoryMsgInput { targetId?: string; time?: number; count?: number; order?: number; busChannel?: string }
export interface HistoryMsgOuput { list: DownStreamMessage[]; syncTime: number; hasMsg: number }
export interface RelationQryInput { type?: number; count?: number; startTime?: number; order?: number }
export interface RelationInfo { type: number; userId: string; msg?: DownStreamMessage; unreadCount?: number; busChannel?: string; versionTime?: number }
export interface RelationsOutput { info: RelationInfo[]; isFinished?: boolean }
export interface UltraGrpPullMsg { syncTime: number }
export interface UltraGrpPullSes { syncTime: number }
export interface ChrmInput { nothing: number; extra?: string }
export interface ChrmOutput { nothing: number; joinTime?: number; memberCount?: number }
export interface ChrmPullMsg { syncTime: number; count: number }
export interface ChrmKVEntity { key: string; value: string; status?: number; timestamp?: number; uid?: string; version?: number }
export interface SetChrmKV { entry: ChrmKVEntity; bNotify?: boolean; notification?: UpStreamMessage }
export interface QueryChrmKV { timestamp: number }
export interface ChrmKVOutput { entries: ChrmKVEntity[]; bFullUpdate?: boolean; syncTime?: number }

/** Every message name above, with the shape its decoded object has. */
export interface Messages {
  NotifyMsg: NotifyMsg;
  SyncRequestMsg: SyncRequestMsg;
  UpStreamMessage: UpStreamMessage;
  DownStreamMessage: DownStreamMessage;
  DownStreamMessages: DownStreamMessages;
  ChrmDownStreamMessages: ChrmDownStreamMessages;
  HistoryMsgInput: HistoryMsgInput;
  HistoryMsgOuput: HistoryMsgOuput;
  RelationQryInput: RelationQryInput;
  RelationsOutput: RelationsOutput;
  UltraGrpPullMsg: UltraGrpPullMsg;
  UltraGrpPullSes: UltraGrpPullSes;
  ChrmInput: ChrmInput;
  ChrmOutput: ChrmOutput;
  ChrmPullMsg: ChrmPullMsg;
  SetChrmKV: SetChrmKV;
  QueryChrmKV: QueryChrmKV;
  ChrmKVOutput: ChrmKVOutput;
}
export type MessageName = keyof Messages;

const root = protobuf.parse(schemaText, { keepCase: true }).root.resolveAll();
const types = new Map<string, protobuf.Type>();
function type(name: MessageName): protobuf.Type {
  let found = types.get(name);
  if (!found) {
    found = root.lookupType(`rongcloud.${name}`);
    types.set(name, found);
  }
  return found;
}

export function encodeMessage<N extends MessageName>(name: N, value: Messages[N]): Uint8Array {
  const t = type(name);
  return t.encode(t.fromObject(value)).finish();
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Decodes a payload; bytes that are not this message (or lack a required field) are an error, never a throw. */
export function decodeMessage<N extends MessageName>(name: N, bytes: Uint8Array): Decoded<Messages[N]> {
  const t = type(name);
  try {
    const value = t.toObject(t.decode(bytes), { longs: Number, arrays: true });
    return { ok: true, value: value as Messages[N] };
  } catch (err) {
    return { ok: false, reason: `${name} does not decode: ${err instanceof Error ? err.message : String(err)}` };
  }
}
