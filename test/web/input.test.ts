// The two rules every request's input passes (issue 13 item 6), as pure functions: which
// numbers name a row (src/ids.ts) and which field holds text PostgreSQL cannot store
// (src/web/input.ts). The routes that use them are tested in test/web/badInput.test.ts.
import { MAX_ID, parseId } from '../../src/ids';
import { unstorableField } from '../../src/web/input';

it('takes a row id written in digits, from 1 to PostgreSQL’s largest integer', () => {
  for (const [input, id] of [
    ['1', 1],
    [' 42 ', 42],
    ['007', 7],
    [String(MAX_ID), MAX_ID],
    [17, 17],
  ] as const)
    expect(parseId(input)).toBe(id);
});

it('refuses anything else: empty, NaN, signs, fractions, exponents, beyond int32, arrays', () => {
  for (const input of [
    '',
    ' ',
    'NaN',
    'abc',
    '0',
    '-1',
    '+1',
    '1.5',
    '1e3',
    '0x10',
    String(MAX_ID + 1),
    '9223372036854775808',
    '99999999999',
    1.5,
    -3,
    1e21,
    Number.NaN,
    ['1'],
    ['1', '2'],
    null,
    undefined,
    {},
  ]) {
    expect({ input, id: parseId(input) }).toEqual({ input, id: undefined });
  }
});

it('names the first field holding a NUL or a lone surrogate, keys and nesting included', () => {
  expect(unstorableField({ title: 'fine 😀', body: 'a\u0000b' }, '')).toBe('body');
  expect(unstorableField({ credential: { name: 'half \ud83d' } }, '')).toBe('credential.name');
  expect(unstorableField({ rows: [{ id: 'x' }, { id: '\udc00' }] }, '')).toBe('rows.1.id');
  expect(unstorableField({ 'bad\u0000key': 'x' }, '')).toBe('bad\u0000key');
  // A repeated form field is one field to the person who typed it.
  expect(unstorableField({ tag: ['ok', 'no\u0000'] }, '')).toBe('tag');
  expect(unstorableField('text \u0000', '')).toBe('');
  expect(unstorableField([{ x: '\u0000' }], '')).toBe('0.x');
});

it('lets whole surrogate pairs, other control characters and non-text through', () => {
  expect(unstorableField({ emoji: '😀👍🏽', tab: 'a\tb\u0001', n: 3, b: true, nothing: null }, '')).toBeUndefined();
  expect(unstorableField(Buffer.from([0, 1, 2]), '')).toBeUndefined();
});
