// The name/value pairs a refused form is sent again with (src/web/formRecovery.ts): the same
// pairs the route's parser read, so the route sees the same body the second time.
import { formEntries } from '../../src/web/formRecovery';

it('writes a urlencoded body back as its pairs, repeated names repeated', () => {
  expect(formEntries({ title: 'A & B', tag: ['x', 'y'], empty: '' }, false)).toEqual([
    { name: 'title', value: 'A & B' },
    { name: 'tag', value: 'x' },
    { name: 'tag', value: 'y' },
    { name: 'empty', value: '' },
  ]);
});

it('writes a multipart body (nested by multer) back as bracket paths', () => {
  const nested = Object.assign(Object.create(null), {
    row: [
      { type: 'ROR', id: '1' },
      { type: 'ISNI', id: '2' },
    ],
    level: { plan: 'plan-3' },
    note: 'line 1\r\nline 2',
  });
  expect(formEntries(nested, true)).toEqual([
    { name: 'row[0][type]', value: 'ROR' },
    { name: 'row[0][id]', value: '1' },
    { name: 'row[1][type]', value: 'ISNI' },
    { name: 'row[1][id]', value: '2' },
    { name: 'level[plan]', value: 'plan-3' },
    { name: 'note', value: 'line 1\r\nline 2' },
  ]);
});

it('has nothing to give back for no body', () => {
  expect(formEntries(undefined, false)).toEqual([]);
});
