import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientKey, compileClientAddress, trustedProxiesSchema, type ClientAddress } from '../../src/lib/client_ip.ts';
import { Ajv } from 'ajv';
import { rawExchange } from '../helpers/raw_http.ts';

function compiled(proxies: string[] | undefined): ClientAddress {
  const out = compileClientAddress(proxies);
  assert.equal(typeof out, 'function', `compile failed: ${String(out)}`);
  return out as ClientAddress;
}

/**
 * A request as the client-address function reads it: the socket's peer and the headers node parsed.
 * Peers other than 127.0.0.1 cannot be produced over loopback; the end-to-end case is below.
 */
function requestFrom(peer: string, xff?: string): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } } as unknown as IncomingMessage;
}

describe('compileClientAddress: trustedProxies', () => {
  it('accepts IPv4 and IPv6 addresses and CIDR blocks, and the schema accepts a list of strings', () => {
    compiled(['10.0.0.0/8', '192.168.1.7', '172.16.0.0/12', 'fd00::/8', '2001:db8::1', '::ffff:10.9.9.9', '0.0.0.0/0', '::/0']);
    const validate = new Ajv().compile(trustedProxiesSchema);
    assert.equal(validate(['10.0.0.0/8']), true);
    assert.equal(validate([1]), false);
  });

  it('refuses malformed entries with their index and what to write instead', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0/8', 'example.com', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/ 8', 'fe80::1%eth0', '010.0.0.1']) {
      const out = compileClientAddress(['127.0.0.1', bad]);
      assert.equal(typeof out, 'string', bad);
      assert.match(out as string, /^\[1\] /, bad);
      assert.ok((out as string).includes(JSON.stringify(bad)), bad);
      assert.match(out as string, /not an IP address or CIDR block/);
    }
    const two = compileClientAddress(['x', '10.0.0.1', 'y']) as string;
    assert.match(two, /^\[0\] "x", \[2\] "y": /);
  });

  it('without trusted proxies the client is always the peer, X-Forwarded-For ignored', () => {
    for (const proxies of [undefined, []]) {
      const read = compiled(proxies);
      assert.equal(read(requestFrom('203.0.113.9', '198.51.100.1')), '203.0.113.9');
    }
  });

  it('a peer that is not trusted is the client, whatever X-Forwarded-For says', () => {
    const read = compiled(['10.0.0.0/8']);
    assert.equal(read(requestFrom('203.0.113.9', '198.51.100.1')), '203.0.113.9');
  });

  it('walks X-Forwarded-For from the right, skipping trusted addresses; spoofed left entries are ignored', () => {
    const read = compiled(['10.0.0.0/8', '2001:db8:ffff::/48']);
    // The client wrote "1.1.1.1" itself; the first proxy appended the address it saw.
    assert.equal(read(requestFrom('10.0.0.2', '1.1.1.1, 198.51.100.7, 10.0.0.1')), '198.51.100.7');
    assert.equal(read(requestFrom('10.0.0.2', '198.51.100.7')), '198.51.100.7');
    assert.equal(read(requestFrom('2001:db8:ffff::1', '2001:db8:1:2::5, 2001:db8:ffff::9')), '2001:db8:1:2::5');
    // A dual-stack listener reports IPv4 peers IPv4-mapped; they match the IPv4 blocks.
    assert.equal(read(requestFrom('::ffff:10.0.0.2', '198.51.100.7')), '198.51.100.7');
  });

  it('when every address is trusted, the leftmost is the client; without the header, the peer', () => {
    const read = compiled(['10.0.0.0/8']);
    assert.equal(read(requestFrom('10.0.0.2', '10.1.1.1, 10.2.2.2')), '10.1.1.1');
    assert.equal(read(requestFrom('10.0.0.2')), '10.0.0.2');
  });

  it('a malformed entry stops the walk at the last good address (or the peer)', () => {
    const read = compiled(['10.0.0.0/8']);
    assert.equal(read(requestFrom('10.0.0.2', '198.51.100.7, garbage, 10.0.0.1')), '10.0.0.1');
    assert.equal(read(requestFrom('10.0.0.2', 'garbage')), '10.0.0.2');
    assert.equal(read(requestFrom('10.0.0.2', '')), '10.0.0.2');
    assert.equal(read(requestFrom('10.0.0.2', '198.51.100.7,,10.0.0.1')), '10.0.0.1');
    assert.equal(read(requestFrom('10.0.0.2', '198.51.100.7, 10.0.0.1,')), '10.0.0.2');
    assert.equal(read(requestFrom('10.0.0.2', 'unknown, 10.0.0.1')), '10.0.0.1');
    assert.equal(read(requestFrom('10.0.0.2', '1.1.1.1, fe80::1%eth0')), '10.0.0.2');
  });

  it('reads the forms with a port that some proxies write', () => {
    const read = compiled(['10.0.0.0/8']);
    assert.equal(read(requestFrom('10.0.0.2', '198.51.100.7:4711')), '198.51.100.7');
    assert.equal(read(requestFrom('10.0.0.2', '[2001:db8::7]:4711')), '2001:db8::7');
    assert.equal(read(requestFrom('10.0.0.2', '[2001:db8::7]')), '2001:db8::7');
    assert.equal(read(requestFrom('10.0.0.2', '2001:db8::7')), '2001:db8::7');
    for (const bad of ['[2001:db8::7', '[2001:db8::7]x', '[198.51.100.7]:1', '198.51.100.7:', '198.51.100.7:99999999', '[2001:db8::7]:']) {
      assert.equal(read(requestFrom('10.0.0.2', bad)), '10.0.0.2', bad);
    }
  });

  it('a peer whose socket is gone reads as the empty address', () => {
    const read = compiled(['10.0.0.0/8']);
    assert.equal(read({ socket: {}, headers: {} } as unknown as IncomingMessage), '');
  });
});

describe('compileClientAddress over a real socket', () => {
  let server: Server;
  let url: string;
  let read: ClientAddress = compiled(undefined);

  before(async () => {
    server = createServer((req, res) => res.end(read(req)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ask = async (headerLines: string[]): Promise<string> => {
    const answer = await rawExchange(url, `GET / HTTP/1.1\r\nHost: x\r\n${headerLines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`);
    assert.equal(answer.status, 200);
    return answer.data.slice(answer.data.indexOf('\r\n\r\n') + 4);
  };

  it('repeated X-Forwarded-For lines read as one list, in order', async () => {
    read = compiled(['127.0.0.1', '10.0.0.0/8']);
    assert.equal(await ask(['X-Forwarded-For: 1.1.1.1, 198.51.100.7', 'X-Forwarded-For: 10.0.0.1']), '198.51.100.7');
    assert.equal(await ask(['X-Forwarded-For: 198.51.100.7', 'X-Forwarded-For: 10.0.0.1, 10.0.0.3']), '198.51.100.7');
  });

  it('an untrusted loopback peer is the client', async () => {
    read = compiled(['10.0.0.0/8']);
    assert.equal(await ask(['X-Forwarded-For: 198.51.100.7']), '127.0.0.1');
  });
});

describe('clientKey', () => {
  it('keeps IPv4 addresses as they are and turns IPv4-mapped IPv6 into IPv4', () => {
    assert.equal(clientKey('203.0.113.9'), '203.0.113.9');
    assert.equal(clientKey('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(clientKey('::FFFF:203.0.113.9'), '203.0.113.9');
    assert.equal(clientKey('0:0:0:0:0:ffff:cb00:7109'), '203.0.113.9');
  });

  it('keys IPv6 by the /64 prefix: every address of one /64 is one client', () => {
    const key = clientKey('2001:db8:1:2::5');
    assert.equal(key, '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff'), key);
    assert.equal(clientKey('2001:db8:1:2:a:b:c:d'), key);
    assert.notEqual(clientKey('2001:db8:1:3::5'), key);
  });

  it('writes the prefix in RFC 5952 form, zero groups compressed', () => {
    assert.equal(clientKey('2001:db8::1'), '2001:db8::/64');
    assert.equal(clientKey('2001:0:0:1::1'), '2001:0:0:1::/64');
    assert.equal(clientKey('2001::1'), '2001::/64');
    assert.equal(clientKey('::1'), '::/64');
    assert.equal(clientKey('fe80::1%eth0'), 'fe80::/64');
    assert.equal(clientKey('64:ff9b::192.0.2.33'), '64:ff9b::/64');
  });

  it('agrees with the WHATWG URL parser (RFC 5952 serialisation) on random addresses and spellings', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let k = 0; k < 2000; k++) {
      // Random groups, with runs of zeros likely; written long, compressed or with leading zeros.
      const groups = Array.from({ length: 8 }, () => (rand(3) === 0 ? 0 : rand(3) === 0 ? rand(16) : rand(65536)));
      if (groups.slice(0, 6).every((g, i) => g === (i === 5 ? 0xffff : 0))) continue;
      const long = groups.map((g) => g.toString(16).padStart(rand(2) === 0 ? 4 : 1, '0')).join(':');
      const prefix = new URL(`http://[${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::]/`).hostname.slice(1, -1);
      const written = rand(2) === 0 ? long.toUpperCase() : new URL(`http://[${long}]/`).hostname.slice(1, -1);
      assert.equal(clientKey(written), `${prefix}/64`, written);
    }
  });

  it('returns what is not an address unchanged', () => {
    assert.equal(clientKey(''), '');
    assert.equal(clientKey('not:an:address'), 'not:an:address');
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', ':1::', '1:', '::ffff:1.2.3', '::ffff:01.2.3.4', '::ffff:1.2.3.256', '::ffff:1.2.3.4.5', '1.2.3.4::', '::g']) {
      assert.equal(clientKey(bad), bad, bad);
    }
  });
});
