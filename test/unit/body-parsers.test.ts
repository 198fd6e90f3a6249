import { describe, expect, it } from 'vitest';
import { parseForm } from '../../src/http/body-parsers.js';

describe('parseForm', () => {
  it('turns repeated keys into lists and keeps single values as strings', () => {
    expect(parseForm('toUserId=a&toUserId=b&fromUserId=x')).toEqual({ toUserId: ['a', 'b'], fromUserId: 'x' });
  });

  it('keeps percent-encoded map keys like chatroom[id] verbatim', () => {
    expect(parseForm('chatroom%5Broom1%5D=First&chatroom%5Broom2%5D=Second')).toEqual({ 'chatroom[room1]': 'First', 'chatroom[room2]': 'Second' });
  });

  it('has no cap on the number of keys (1,000 receivers plus the other fields)', () => {
    const body = Array.from({ length: 1500 }, (_, i) => `toUserId=u${i}`).join('&') + '&objectName=RC%3ATxtMsg';
    const parsed = parseForm(body);
    expect(parsed.toUserId).toHaveLength(1500);
    expect(parsed.objectName).toBe('RC:TxtMsg');
  });

  it('copes with unencoded JSON values as the Python SDK sends them', () => {
    expect(parseForm('content={"content":"hi"}&userId=u1')).toEqual({ content: '{"content":"hi"}', userId: 'u1' });
  });
});
