// The outbound-fetch guard's address classifier and allow-list (pure). Each host is given
// as it would appear in a URL and read the way the fetcher reads it: through the WHATWG
// URL parser (which turns 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 into 127.0.0.1),
// then classified. Addresses a resolver returns are classified as they come.
import { AllowList, type AddressKind, classifyAddress, classifyHostName, parseAllowEntry, parseAllowList } from '../../src/net/addresses';

/** Every spelling the guard must refuse, by the kind it must be recognised as. */
export const REFUSED_SPELLINGS: Record<Exclude<AddressKind, 'public'>, string[]> = {
  loopback: [
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    '127.1',
    '127.0.1',
    '2130706433',
    '0x7f000001',
    '0x7F000001',
    '0x7f.0.0.1',
    '0x7f.0x0.0x0.0x1',
    '0177.0.0.1',
    '0177.0000.0000.0001',
    '017700000001',
    '0x7f.1',
    '127.000.000.001',
    '%31%32%37.0.0.1',
    '１２７.０.０.１',
    '127.0.0.1.',
    'localhost',
    'LOCALHOST',
    'localhost.',
    'LocalHost',
    'foo.localhost',
    'a.b.localhost.',
    '[::1]',
    '[0:0:0:0:0:0:0:1]',
    '[0000:0000:0000:0000:0000:0000:0000:0001]',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[0:0:0:0:0:ffff:127.0.0.1]',
    '[::FFFF:127.0.0.1]',
    '[::127.0.0.1]',
    '[::7f00:1]',
    '[64:ff9b::127.0.0.1]',
    '[64:ff9b::7f00:1]',
    '[2002:7f00:1::]',
    '[2002:7f00:0001:0:0:0:0:1]',
    '[::ffff:0:127.0.0.1]',
  ],
  unspecified: ['0.0.0.0', '0', '0x0', '00', '0.0', '0.1.2.3', '[::]', '[0:0:0:0:0:0:0:0]', '[::ffff:0.0.0.0]', '[::ffff:0:0]'],
  private: [
    '10.0.0.1',
    '10.255.255.255',
    '012.0.0.1',
    '167772161',
    '0x0a000001',
    '10.1',
    '172.16.0.1',
    '172.31.255.255',
    '2886729729',
    '192.168.0.1',
    '192.168.1.1',
    '3232235777',
    '0xc0a80101',
    '0300.0250.1.1',
    '192.168.257',
    '[::ffff:10.0.0.1]',
    '[::ffff:a00:1]',
    '[::ffff:192.168.1.1]',
    '[::ffff:172.16.0.1]',
    '[64:ff9b::10.0.0.1]',
    '[64:ff9b::c0a8:101]',
    '[2002:c0a8:101::1]',
    '[2002:a00:1::]',
    '[::10.0.0.1]',
  ],
  'link-local': ['169.254.0.1', '169.254.1.1', '169.254.255.255', '2851995905', '[fe80::1]', '[fe80::1:2:3:4]', '[febf::1]', '[::ffff:169.254.1.1]'],
  'unique-local': ['[fc00::1]', '[fd12:3456:789a::1]', '[fdff:ffff::1]', '[FD00::1]', '[fd00:ec2::1]'],
  cgnat: ['100.64.0.1', '100.127.255.254', '100.100.0.1', '1681915905', '[::ffff:100.64.0.1]', '[64:ff9b::100.64.0.1]'],
  multicast: ['224.0.0.1', '239.255.255.250', '230.1.2.3', '[ff02::1]', '[ff05::1:3]', '[ff0e::1]', '[::ffff:224.0.0.1]'],
  broadcast: ['255.255.255.255', '4294967295', '0xffffffff', '0377.0377.0377.0377', '[::ffff:255.255.255.255]'],
  reserved: [
    '240.0.0.1',
    '250.1.2.3',
    '255.255.255.254',
    '192.0.0.1',
    '192.0.0.170',
    '198.18.0.1',
    '198.19.255.255',
    '192.88.99.1',
    '[2001::1]',
    '[2001:0:4136:e378:8000:63bf:3fff:fdd2]',
    '[2001:2::1]',
    '[2001:10::1]',
    '[100::1]',
    '[fec0::1]',
    '[64:ff9b:1::1]',
    '[4000::1]',
    '[1::1]',
    '[5f00::1]',
  ],
  documentation: ['192.0.2.1', '198.51.100.7', '203.0.113.255', '[2001:db8::1]', '[2001:DB8:0:0:8:800:200C:417A]', '[3fff::1]', '[::ffff:192.0.2.1]'],
  metadata: [
    '169.254.169.254',
    '0xa9fea9fe',
    '2852039166',
    '0251.0376.0251.0376',
    '169.254.43518',
    '0xa9.0xfe.0xa9.0xfe',
    '[::ffff:169.254.169.254]',
    '[::ffff:a9fe:a9fe]',
    '[64:ff9b::169.254.169.254]',
    '[fd00:ec2::254]',
    '[fd00:ec2:0:0:0:0:0:254]',
    '169.254.170.2',
    '169.254.170.23',
    '[fd00:ec2::23]',
    '100.100.100.200',
    'metadata.google.internal',
    'METADATA.GOOGLE.INTERNAL.',
    'metadata.goog',
    'metadata',
    'instance-data',
    'instance-data.ec2.internal',
  ],
};

/** Public addresses next to the refused ranges: the guard must not refuse them. */
const PUBLIC = [
  '93.184.216.34',
  '8.8.8.8',
  '1.1.1.1',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.169.0.1',
  '169.253.255.255',
  '11.0.0.1',
  '9.255.255.255',
  '126.255.255.255',
  '128.0.0.1',
  '223.255.255.255',
  '198.20.0.1',
  '134744072',
  '[2606:4700:4700::1111]',
  '[2a00:1450:4001::200e]',
  '[::ffff:8.8.8.8]',
  '[64:ff9b::808:808]',
  '[2002:808:808::1]',
];

const hostOf = (spelling: string) => new URL(`https://${spelling}/status/1`).hostname;

describe('the address classifier', () => {
  const cases = Object.entries(REFUSED_SPELLINGS).flatMap(([kind, spellings]) => spellings.map((s) => [s, kind] as const));

  it(`knows ${cases.length} refused spellings, none twice`, () => {
    expect(new Set(cases.map(([s]) => s)).size).toBe(cases.length);
  });

  it.each(cases)('refuses %s as %s', (spelling, kind) => {
    expect(classifyHostName(hostOf(spelling))?.kind).toBe(kind);
  });

  it.each(PUBLIC)('allows the public address %s', (spelling) => {
    expect(classifyHostName(hostOf(spelling))?.kind).toBe('public');
  });

  it('leaves ordinary names to what they resolve to', () => {
    for (const name of ['badges.example.edu', 'example.com', 'localhost.example.com', 'metadata.example.com', 'my-localhost']) {
      expect(classifyHostName(hostOf(name))).toBeUndefined();
    }
  });

  it('says which IPv4 address an IPv6 form stands for', () => {
    expect(classifyHostName(hostOf('[::ffff:127.0.0.1]'))).toEqual({ kind: 'loopback', address: '::ffff:7f00:1', embedded: '127.0.0.1' });
    expect(classifyHostName(hostOf('[64:ff9b::a9fe:a9fe]'))).toEqual({ kind: 'metadata', address: '64:ff9b::a9fe:a9fe', embedded: '169.254.169.254' });
  });

  it('classifies addresses as a resolver returns them, zone included', () => {
    expect(classifyAddress('fe80::1%eth0').kind).toBe('link-local');
    expect(classifyAddress('::ffff:10.1.2.3').kind).toBe('private');
    expect(classifyAddress('127.0.0.53').kind).toBe('loopback');
    expect(classifyAddress('2a00:1450:4001::200e').kind).toBe('public');
    expect(() => classifyAddress('example.com')).toThrow('not an IP address');
  });
});

describe('allow-list entries', () => {
  it.each([
    ['badges.example.edu', 'badges.example.edu'],
    ['Badges.Example.EDU.', 'badges.example.edu'],
    ['*.example.edu', '*.example.edu'],
    ['10.1.2.3', '10.1.2.3'],
    ['10.20.0.0/16', '10.20.0.0/16'],
    ['10.20.30.40/16', '10.20.0.0/16'],
    ['fd12:3456::/32', 'fd12:3456::/32'],
    ['[fd12::1]', 'fd12::1'],
    ['127.0.0.1', '127.0.0.1'],
    ['localhost', 'localhost'],
  ])('%s is stored as %s', (typed, stored) => {
    const parsed = parseAllowEntry(typed);
    expect(parsed).toMatchObject({ ok: true, entry: { text: stored } });
  });

  it.each([
    ['', 'Type a host name'],
    ['https://badges.example.edu/status', 'without “https://”'],
    ['badges example', 'is not a host name'],
    ['-bad-.example.edu', 'is not a host name'],
    ['*.edu', 'whole top-level domain'],
    ['10.0.0.0/4', 'too wide'],
    ['0.0.0.0/0', 'too wide'],
    ['::/0', 'too wide'],
    ['10.0.0.0/33', 'is not a range'],
    ['10.0.0.0/x', 'is not a range'],
    ['169.254.169.254', 'cloud metadata service'],
    ['metadata.google.internal', 'cloud metadata service'],
    ['224.0.0.0/8', 'multicast'],
    ['0.0.0.0', 'unspecified'],
  ])('%s is refused: %s', (typed, message) => {
    const parsed = parseAllowEntry(typed);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(message);
  });

  it('a list from the environment is split on commas and spaces, and reports every bad entry', () => {
    expect(parseAllowList('10.0.0.0/8, badges.example.edu  *.uni.example').entries.map((e) => e.text)).toEqual([
      '10.0.0.0/8',
      'badges.example.edu',
      '*.uni.example',
    ]);
    expect(parseAllowList('10.0.0.0/8,https://x,0.0.0.0/0').problems).toHaveLength(2);
  });

  it('matches hosts by name or subdomain, and addresses by range (IPv4-mapped too)', () => {
    const list = new AllowList(parseAllowList('badges.example.edu *.uni.example 10.20.0.0/16 fd12::/16').entries);
    expect(list.allowsHost('badges.example.edu')).toBe(true);
    expect(list.allowsHost('BADGES.example.edu.')).toBe(true);
    expect(list.allowsHost('other.example.edu')).toBe(false);
    expect(list.allowsHost('status.uni.example')).toBe(true);
    expect(list.allowsHost('uni.example')).toBe(false);
    expect(list.allowsHost('evil-uni.example')).toBe(false);
    expect(list.allowsHost('10.20.3.4')).toBe(true);
    expect(list.allowsHost('[::ffff:10.20.3.4]')).toBe(true);
    expect(list.allowsHost('10.21.0.1')).toBe(false);
    expect(list.allowsHost('[fd12::5]')).toBe(true);
    expect(new AllowList().allowsHost('127.0.0.1')).toBe(false);
  });
});
