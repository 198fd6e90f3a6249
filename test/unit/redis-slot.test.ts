import { describe, expect, it } from 'vitest';
import { clusterSlot } from '../../src/store/redis-client.js';

describe('clusterSlot', () => {
  it('is CLUSTER KEYSLOT: CRC16 of the key, or of its first non-empty hash tag, mod 16384', () => {
    // The examples of Redis' CLUSTER KEYSLOT documentation.
    expect(clusterSlot('somekey')).toBe(11058);
    expect(clusterSlot('foo{hash_tag}')).toBe(2515);
    expect(clusterSlot('bar{hash_tag}')).toBe(2515);
    expect(clusterSlot('parley:inbox:{A:u1}')).toBe(clusterSlot('parley:inbox-head:{A:u1}'));
    // An empty tag, or none closed, hashes the whole key.
    expect(clusterSlot('{}somekey')).not.toBe(clusterSlot('somekey'));
    expect(clusterSlot('{somekey')).not.toBe(clusterSlot('somekey'));
  });
});
