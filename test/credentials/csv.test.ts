import { detectDelimiter, parseCourseOutcomesCsv, parseCsv } from '../../src/credentials/csv';

describe('parseCourseOutcomesCsv', () => {
  it('reads a plain comma-separated file', () => {
    const preview = parseCourseOutcomesCsv('code,title,description\nLO1,Plan research,Write a plan\nLO2,Publish data,\n');
    expect(preview.delimiter).toBe(',');
    expect(preview.errors).toEqual([]);
    expect(preview.valid).toEqual([
      { row: 2, code: 'LO1', title: 'Plan research', description: 'Write a plan' },
      { row: 3, code: 'LO2', title: 'Publish data', description: '' },
    ]);
  });

  it('strips a byte-order mark and reads CRLF line ends', () => {
    const preview = parseCourseOutcomesCsv('\uFEFFcode,title,description\r\nLO1,Plan,One\r\nLO2,Publish,Two\r\n');
    expect(preview.errors).toEqual([]);
    expect(preview.valid.map((r) => [r.code, r.title, r.description])).toEqual([
      ['LO1', 'Plan', 'One'],
      ['LO2', 'Publish', 'Two'],
    ]);
  });

  it('reads semicolon-separated files as Excel writes them in Dutch and German locales', () => {
    const preview = parseCourseOutcomesCsv('Code;Title;Description\r\nLO1;Onderzoek plannen, uitvoeren;Een plan, kort\r\n');
    expect(preview.delimiter).toBe(';');
    expect(preview.valid).toEqual([{ row: 2, code: 'LO1', title: 'Onderzoek plannen, uitvoeren', description: 'Een plan, kort' }]);
  });

  it('reads quoted values with commas, doubled quotes and line breaks', () => {
    const text = ['code,title,description', 'LO1,"Plan, run and report a study","She said ""good"" twice"', 'LO2,"Two', 'lines",plain'].join('\n');
    const preview = parseCourseOutcomesCsv(text);
    expect(preview.errors).toEqual([]);
    expect(preview.valid).toEqual([
      { row: 2, code: 'LO1', title: 'Plan, run and report a study', description: 'She said "good" twice' },
      { row: 3, code: 'LO2', title: 'Two\nlines', description: 'plain' },
    ]);
  });

  it('accepts columns in any order and case, without a description column, and notes ignored columns', () => {
    const preview = parseCourseOutcomesCsv(' TITLE ,Notes,CODE\nPlan research,internal,LO1\n');
    expect(preview.valid).toEqual([{ row: 2, code: 'LO1', title: 'Plan research', description: '' }]);
    expect(preview.notes).toEqual(['Column “Notes” is ignored.']);
  });

  it('reads tab-separated cells pasted from a spreadsheet', () => {
    const preview = parseCourseOutcomesCsv('code\ttitle\nLO1\tPlan, then act\n');
    expect(preview.delimiter).toBe('\t');
    expect(preview.valid).toEqual([{ row: 2, code: 'LO1', title: 'Plan, then act', description: '' }]);
  });

  it('flags a missing title with its row and field, and keeps the valid rows', () => {
    const preview = parseCourseOutcomesCsv('code,title,description\nLO1,,Something\nLO2,Publish,\n');
    expect(preview.errors).toEqual([{ row: 2, field: 'title', message: 'The title is missing.' }]);
    expect(preview.rows[0]).toMatchObject({ row: 2, code: 'LO1', title: '', description: 'Something' });
    expect(preview.valid.map((r) => r.code)).toEqual(['LO2']);
  });

  it('flags a code used twice in the file, at its second use', () => {
    const preview = parseCourseOutcomesCsv('code,title\nLO1,Plan\nLO2,Publish\nlo1,Plan again\n');
    expect(preview.errors).toEqual([{ row: 4, field: 'code', message: 'Code “lo1” is also used in row 2.' }]);
    expect(preview.valid.map((r) => r.row)).toEqual([2, 3]);
  });

  it('flags codes the course already has', () => {
    const preview = parseCourseOutcomesCsv('code,title\nCO1,Plan\nCO9,New\n', { existingCodes: ['co1', 'CO2'] });
    expect(preview.errors).toEqual([{ row: 2, field: 'code', message: 'Code “CO1” is already used by an outcome of this course.' }]);
    expect(preview.valid.map((r) => r.code)).toEqual(['CO9']);
  });

  it('flags a missing code and a row with more values than columns (an unquoted delimiter)', () => {
    const preview = parseCourseOutcomesCsv('code,title\n,Plan\nLO2,Plan, run and report\n');
    expect(preview.errors).toEqual([
      { row: 2, field: 'code', message: 'The code is missing.' },
      {
        row: 3,
        field: undefined,
        message: 'This row has more values than the header has columns. Put text that contains “,” between double quotes.',
      },
    ]);
    expect(preview.valid).toEqual([]);
  });

  it('skips blank lines but keeps counting rows as a spreadsheet does', () => {
    const preview = parseCourseOutcomesCsv('code,title\n\nLO1,Plan\n , \nLO2,\n');
    expect(preview.valid.map((r) => r.row)).toEqual([3]);
    expect(preview.errors).toEqual([{ row: 5, field: 'title', message: 'The title is missing.' }]);
  });

  it('explains a missing header row', () => {
    const preview = parseCourseOutcomesCsv('LO1,Plan research,Write a plan\n');
    expect(preview.valid).toEqual([]);
    expect(preview.errors).toHaveLength(1);
    expect(preview.errors[0]).toMatchObject({ row: 1 });
    expect(preview.errors[0].message).toContain('The first row must name the columns code, title and (optionally) description');
  });

  it('explains an empty file and an unclosed quote', () => {
    expect(parseCourseOutcomesCsv('\uFEFF\r\n').errors).toEqual([
      { row: 1, message: 'The file is empty. The first row must name the columns: code, title, description.' },
    ]);
    const unclosed = parseCourseOutcomesCsv('code,title\nLO1,Plan\nLO2,"Never closed\nLO3,Lost\n');
    expect(unclosed.valid.map((r) => r.code)).toEqual(['LO1']);
    expect(unclosed.errors.at(-1)?.message).toContain('A quoted value is never closed');
  });

  it('limits how many rows are read at once', () => {
    const rows = Array.from({ length: 5 }, (_, i) => `LO${i + 1},Outcome ${i + 1}`);
    const preview = parseCourseOutcomesCsv(['code,title', ...rows].join('\n'), { maxRows: 3 });
    expect(preview.valid.map((r) => r.code)).toEqual(['LO1', 'LO2', 'LO3']);
    expect(preview.errors).toEqual([{ row: 5, message: 'Import at most 3 outcomes at a time; this file has 5. Rows after 4 were not read.' }]);
  });

  it('applies the course-outcome rules to each row', () => {
    const preview = parseCourseOutcomesCsv(`code,title\n${'X'.repeat(41)},Plan\n`);
    expect(preview.errors).toEqual([{ row: 2, field: 'code', message: 'Keep the code to 40 characters or fewer.' }]);
  });
});

describe('CSV primitives', () => {
  it('detects the delimiter from the header line, ignoring quoted text', () => {
    expect(detectDelimiter('code,title,description')).toBe(',');
    expect(detectDelimiter('code;title;description\nLO1,"a,b,c,d";x')).toBe(';');
    expect(detectDelimiter('"co,de";title')).toBe(';');
    expect(detectDelimiter('code\ttitle')).toBe('\t');
  });

  it('splits records per RFC 4180', () => {
    expect(parseCsv('a,"b ""q"", c"\r\n1,2', ',')).toEqual({
      records: [
        ['a', 'b "q", c'],
        ['1', '2'],
      ],
    });
    expect(parseCsv('a,b\n', ',')).toEqual({ records: [['a', 'b']] });
    expect(parseCsv('a,"b', ',').error).toMatch(/never closed/);
  });
});
