import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listenerUrl } from '../../src/lib/listen_url.ts';

describe('listenerUrl (the one bound-address → URL formatter)', () => {
  it('regression: the cluster\'s URL formatter wrote IPv6 addresses without brackets', () => {
    // `http://::1:8080` is no URL at all: the port cannot be told from the address (RFC 3986 §3.2.2).
    assert.equal(listenerUrl('::1', 8080), 'http://[::1]:8080');
    assert.equal(listenerUrl('fd00::5', 443, 'https'), 'https://[fd00::5]:443');
    assert.equal(listenerUrl('::ffff:127.0.0.1', 9000), 'http://[::ffff:127.0.0.1]:9000');
    for (const host of ['::1', 'fd00::5', '2001:db8::1']) {
      const u = new URL(listenerUrl(host, 8080));
      assert.equal(u.port, '8080', `${host}: the port survives parsing`);
      assert.equal(u.hostname, `[${host}]`);
    }
  });

  it('maps a wildcard bind to loopback, where a client on this host reaches it', () => {
    assert.equal(listenerUrl('0.0.0.0', 8080), 'http://127.0.0.1:8080');
    assert.equal(listenerUrl('::', 8080), 'http://[::1]:8080');
    assert.equal(listenerUrl('::', 8443, 'https'), 'https://[::1]:8443');
  });

  it('leaves IPv4 addresses and host names as they are', () => {
    assert.equal(listenerUrl('127.0.0.1', 8080), 'http://127.0.0.1:8080');
    assert.equal(listenerUrl('10.1.2.3', 80), 'http://10.1.2.3:80');
    assert.equal(listenerUrl('localhost', 3000), 'http://localhost:3000');
    assert.equal(listenerUrl('gw.example.internal', 8443, 'https'), 'https://gw.example.internal:8443');
  });

  it('defaults to http', () => {
    assert.equal(listenerUrl('127.0.0.1', 1), 'http://127.0.0.1:1');
  });
});
