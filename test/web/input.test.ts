// Which numbers name a row (issue 13 item 6), as a pure function: src/web/params.ts. The
// routes that use it are tested in test/web/badInput.test.ts.
import { MAX_ID, parseId } from '../../src/web/params';

it('takes a row id written in digits, from 1 to PostgreSQL’s largest integer', () => {
  for (const [input, id] of [['1', 1], [' 42 ', 42], ['007', 7], [String(MAX_ID), MAX_ID], [17, 17]] as const) expect(parseId(input)).toBe(id);
});

it('refuses anything else: empty, NaN, signs, fractions, exponents, beyond int32, arrays', () => {
  for (const input of ['', ' ', 'NaN', 'abc', '0', '-1', '+1', '1.5', '1e3', '0x10', String(MAX_ID + 1), '9223372036854775808', '99999999999', 1.5, -3, 1e21, Number.NaN, ['1'], ['1', '2'], null, undefined, {}]) {
    expect({ input, id: parseId(input) }).toEqual({ input, id: undefined });
  }
});

