import { z } from 'zod';

/**
 * Tencent IM's message elements and RongCloud's message types, both ways (docs/tencent-im.md
 * "Message types"). A Tencent message is a list of elements; a Parley message has one type,
 * so a MsgBody carries exactly one element. Elements RongCloud has no type for keep their
 * Tencent name as a custom type (`TIM:CustomElem`, `TIM:FaceElem`); a RongCloud type without
 * a Tencent element reads back as a TIMCustomElem whose `Desc` is the type.
 */

const str = (max: number) => z.string().max(max);
const num = z.number().finite();

const element = z.discriminatedUnion('MsgType', [
  z.object({ MsgType: z.literal('TIMTextElem'), MsgContent: z.object({ Text: str(12_000) }) }),
  z.object({ MsgType: z.literal('TIMCustomElem'), MsgContent: z.object({ Data: str(12_000).default(''), Desc: str(1024).optional(), Ext: str(1024).optional(), Sound: str(256).optional() }) }),
  z.object({
    MsgType: z.literal('TIMImageElem'),
    MsgContent: z.object({
      UUID: str(256).optional(),
      ImageFormat: num.optional(),
      ImageInfoArray: z.array(z.object({ Type: z.number().int().min(1).max(3), Size: num.optional(), Width: num.optional(), Height: num.optional(), URL: z.string().url().max(2048) })).min(1).max(3),
    }),
  }),
  z.object({ MsgType: z.literal('TIMFileElem'), MsgContent: z.object({ Url: z.string().url().max(2048), FileSize: num.optional(), FileName: str(256).optional(), UUID: str(256).optional(), Download_Flag: num.optional() }) }),
  z.object({ MsgType: z.literal('TIMSoundElem'), MsgContent: z.object({ Url: z.string().url().max(2048), Size: num.optional(), Second: num, UUID: str(256).optional(), Download_Flag: num.optional() }) }),
  z.object({ MsgType: z.literal('TIMLocationElem'), MsgContent: z.object({ Desc: str(1024).optional(), Latitude: num, Longitude: num }) }),
  z.object({ MsgType: z.literal('TIMFaceElem'), MsgContent: z.object({ Index: z.number().int(), Data: str(1024).optional() }) }),
]);

export type TimElement = z.infer<typeof element>;

/** `MsgBody`: one element (Parley messages have one type). */
export const msgBody = z.array(element).length(1, { message: 'one element per message (docs/tencent-im.md)' });

/** The RongCloud type and content a Tencent element is sent as. */
export function toRongCloud(elem: TimElement): { objectName: string; content: string } {
  const as = (objectName: string, content: Record<string, unknown>) => ({ objectName, content: JSON.stringify(content) });
  switch (elem.MsgType) {
    case 'TIMTextElem':
      return as('RC:TxtMsg', { content: elem.MsgContent.Text });
    case 'TIMImageElem': {
      const images = elem.MsgContent.ImageInfoArray;
      const original = images.find((i) => i.Type === 1) ?? images[0]!;
      return as('RC:ImgMsg', { content: '', imageUri: original.URL, ...(original.Size !== undefined && { size: original.Size }), ...(original.Width !== undefined && { width: original.Width, height: original.Height }) });
    }
    case 'TIMFileElem':
      return as('RC:FileMsg', { name: elem.MsgContent.FileName ?? '', size: elem.MsgContent.FileSize ?? 0, type: extensionOf(elem.MsgContent.FileName ?? ''), fileUrl: elem.MsgContent.Url });
    case 'TIMSoundElem':
      return as('RC:HQVCMsg', { remoteUrl: elem.MsgContent.Url, duration: elem.MsgContent.Second, ...(elem.MsgContent.Size !== undefined && { size: elem.MsgContent.Size }) });
    case 'TIMLocationElem':
      return as('RC:LBSMsg', { content: '', latitude: elem.MsgContent.Latitude, longitude: elem.MsgContent.Longitude, poi: elem.MsgContent.Desc ?? '' });
    case 'TIMCustomElem':
      return as('TIM:CustomElem', elem.MsgContent);
    case 'TIMFaceElem':
      return as('TIM:FaceElem', elem.MsgContent);
  }
}

/** The Tencent element a stored message reads back as. */
export function fromRongCloud(objectName: string, content: string): TimElement {
  const fields = parseObject(content);
  const text = (key: string) => (typeof fields[key] === 'string' ? (fields[key]) : '');
  const number = (key: string) => (typeof fields[key] === 'number' ? (fields[key]) : 0);
  switch (objectName) {
    case 'RC:TxtMsg':
      return { MsgType: 'TIMTextElem', MsgContent: { Text: text('content') } };
    case 'RC:ImgMsg':
      return { MsgType: 'TIMImageElem', MsgContent: { ImageInfoArray: [{ Type: 1, URL: text('imageUri'), Size: number('size'), Width: number('width'), Height: number('height') }] } };
    case 'RC:FileMsg':
      return { MsgType: 'TIMFileElem', MsgContent: { Url: text('fileUrl'), FileSize: number('size'), FileName: text('name') } };
    case 'RC:HQVCMsg':
      return { MsgType: 'TIMSoundElem', MsgContent: { Url: text('remoteUrl'), Second: number('duration'), Size: number('size') } };
    case 'RC:LBSMsg':
      return { MsgType: 'TIMLocationElem', MsgContent: { Desc: text('poi'), Latitude: number('latitude'), Longitude: number('longitude') } };
    case 'TIM:FaceElem':
      return { MsgType: 'TIMFaceElem', MsgContent: { Index: number('Index'), Data: text('Data') } };
    case 'TIM:CustomElem':
      return { MsgType: 'TIMCustomElem', MsgContent: { Data: text('Data'), Desc: text('Desc'), Ext: text('Ext'), Sound: text('Sound') } };
    default:
      return { MsgType: 'TIMCustomElem', MsgContent: { Data: content, Desc: objectName } };
  }
}

function parseObject(content: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot + 1) : '';
}
