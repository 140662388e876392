/**
 * Importing course outcomes from CSV, pasted or uploaded.
 *
 * Expected header: code,title,description (any order, any case; description optional).
 * Tolerated because that is what people's tools produce:
 * - `;` as delimiter (Excel in Dutch or German locales) and tab (cells pasted from a spreadsheet);
 * - double-quoted fields with delimiters, doubled quotes ("") and line breaks inside;
 * - a UTF-8 byte-order mark, and CRLF, LF or CR line ends.
 *
 * Nothing is saved here: the result is a preview with the valid rows and, per row,
 * what is wrong. Row numbers count records the way a spreadsheet shows them: the
 * header is row 1, the first outcome row 2.
 *
 * Writing CSV (the QA dashboard's exports) is here too: `formatCsv`.
 */
import { csvRowSchema, type CourseOutcomeInput } from './validation';

export type CsvDelimiter = ',' | ';' | '\t';

export type CsvField = 'code' | 'title' | 'description';

export interface CsvRowError {
  row: number;
  /** The column the message is about; undefined for the file or the row as a whole. */
  field?: CsvField;
  message: string;
}

export interface CsvPreviewRow {
  row: number;
  /** The values as read (trimmed), so the preview can show them even when invalid. */
  code: string;
  title: string;
  description: string;
  errors: CsvRowError[];
}

export interface CsvPreview {
  delimiter: CsvDelimiter;
  /** Every non-empty data row, valid or not. */
  rows: CsvPreviewRow[];
  /** The rows that can be imported, in file order. */
  valid: (CourseOutcomeInput & { row: number })[];
  /** All errors, about the file and about rows, in row order. */
  errors: CsvRowError[];
  /** Things worth knowing that do not stop the import (e.g. ignored columns). */
  notes: string[];
}

export interface ParseCourseOutcomesOptions {
  /**
   * Codes already used in the course, archived outcomes included (the database keeps
   * codes unique across both). The file may not reuse them. Compared ignoring case.
   */
  existingCodes?: Iterable<string>;
  /** Largest number of data rows accepted. */
  maxRows?: number;
}

export const DEFAULT_MAX_CSV_ROWS = 500;

const FIELDS: readonly CsvField[] = ['code', 'title', 'description'];

/** The delimiter used in the first line: the most frequent of `,` `;` and tab outside quotes. */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let inQuotes = false;
  for (const char of text) {
    if (char === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (char === '\n' || char === '\r')) break;
    else if (!inQuotes && char in counts) counts[char as CsvDelimiter] += 1;
  }
  const best = (Object.keys(counts) as CsvDelimiter[]).reduce((a, b) => (counts[b] > counts[a] ? b : a), ',');
  return best;
}

/**
 * Split CSV text into records of fields (RFC 4180, plus the tolerances above).
 * `error` is set when a quoted field is never closed; records read so far are returned.
 */
export function parseCsv(text: string, delimiter: CsvDelimiter): { records: string[][]; error?: string } {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = 0;

  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };

  while (i < text.length) {
    const char = text[i];
    if (inQuotes) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (char === '"') inQuotes = false;
      else field += char;
      i += 1;
      continue;
    }
    if (char === '"' && field.trim() === '') {
      // A quote opens a quoted field only at its start (spaces before it are dropped).
      field = '';
      inQuotes = true;
    } else if (char === delimiter) {
      endField();
    } else if (char === '\r' || char === '\n') {
      endRecord();
      if (char === '\r' && text[i + 1] === '\n') i += 1;
    } else {
      field += char;
    }
    i += 1;
  }
  if (inQuotes) {
    endRecord();
    return { records, error: 'A quoted value is never closed: check for a missing closing double quote (").' };
  }
  // The last line may or may not end with a line break.
  if (field !== '' || record.length > 0) endRecord();
  return { records };
}

const isEmptyRecord = (record: string[]) => record.every((value) => value.trim() === '');

export function parseCourseOutcomesCsv(text: string, options: ParseCourseOutcomesOptions = {}): CsvPreview {
  const maxRows = options.maxRows ?? DEFAULT_MAX_CSV_ROWS;
  const content = text.replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(content);
  const preview: CsvPreview = { delimiter, rows: [], valid: [], errors: [], notes: [] };

  const { records, error: syntaxError } = parseCsv(content, delimiter);
  // Keep each record's spreadsheet row number before skipping blank lines.
  const numbered = records.map((values, index) => ({ row: index + 1, values })).filter((r) => !isEmptyRecord(r.values));

  const header = numbered.shift();
  if (!header) {
    preview.errors.push({ row: 1, message: 'The file is empty. The first row must name the columns: code, title, description.' });
    return preview;
  }

  const columns = header.values.map((name) => name.trim().toLowerCase());
  const columnOf = (field: CsvField) => columns.indexOf(field);
  const missingColumns = (['code', 'title'] as const).filter((field) => columnOf(field) < 0);
  if (missingColumns.length > 0) {
    preview.errors.push({
      row: header.row,
      message: `The first row must name the columns code, title and (optionally) description; ${missingColumns.join(' and ')} ${missingColumns.length === 1 ? 'is' : 'are'} missing. Found: ${header.values.join(', ')}.`,
    });
    return preview;
  }
  for (const [index, name] of columns.entries()) {
    if (!FIELDS.includes(name as CsvField) && name !== '') preview.notes.push(`Column “${header.values[index].trim()}” is ignored.`);
    if (FIELDS.includes(name as CsvField) && columns.indexOf(name) !== index) {
      preview.notes.push(`Column “${name}” appears twice; the first one is used.`);
    }
  }

  if (numbered.length > maxRows) {
    preview.errors.push({
      row: numbered[maxRows].row,
      message: `Import at most ${maxRows} outcomes at a time; this file has ${numbered.length}. Rows after ${numbered[maxRows - 1].row} were not read.`,
    });
  }

  const existing = new Set([...(options.existingCodes ?? [])].map((code) => code.trim().toLowerCase()));
  const firstRowOfCode = new Map<string, number>();

  for (const { row, values } of numbered.slice(0, maxRows)) {
    const cell = (field: CsvField) => (columnOf(field) >= 0 ? (values[columnOf(field)] ?? '').trim() : '');
    const previewRow: CsvPreviewRow = { row, code: cell('code'), title: cell('title'), description: cell('description'), errors: [] };
    const fail = (message: string, field?: CsvField) => previewRow.errors.push({ row, field, message });

    const highestColumn = Math.max(...values.map((v, i) => (v.trim() === '' ? -1 : i)));
    if (highestColumn >= columns.length) {
      fail(`This row has more values than the header has columns. Put text that contains “${delimiter === '\t' ? 'tab' : delimiter}” between double quotes.`);
    }

    const parsed = csvRowSchema.safeParse({ code: previewRow.code, title: previewRow.title, description: previewRow.description });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = FIELDS.find((f) => f === issue.path[0]);
        // The header decides what "missing" means for the user: say it in column terms.
        const message = field && cell(field) === '' ? `The ${field} is missing.` : issue.message;
        fail(message, field);
      }
    }

    const key = previewRow.code.toLowerCase();
    if (key !== '') {
      if (existing.has(key)) {
        fail(`Code “${previewRow.code}” is already used by an outcome of this course.`, 'code');
      } else if (firstRowOfCode.has(key)) {
        fail(`Code “${previewRow.code}” is also used in row ${firstRowOfCode.get(key)}.`, 'code');
      } else {
        firstRowOfCode.set(key, row);
      }
    }

    preview.rows.push(previewRow);
    preview.errors.push(...previewRow.errors);
    if (previewRow.errors.length === 0 && parsed.success) preview.valid.push({ row, ...parsed.data });
  }

  if (syntaxError) {
    const lastRow = records.length;
    preview.errors.push({ row: lastRow, message: syntaxError });
    // The unclosed quote swallowed the rest of the file: nothing from that row on is trustworthy.
    preview.valid = preview.valid.filter((r) => r.row < lastRow);
  }
  return preview;
}

/**
 * Write rows as RFC 4180 CSV (CRLF, quoted where needed). A cell that a spreadsheet would
 * run as a formula (=, +, -, @, tab, CR at the start) is prefixed with ' so an exported
 * title can never execute (CSV injection); numbers are written as they are.
 */
export function formatCsv(rows: readonly (readonly (string | number | undefined | null)[])[]): string {
  const cell = (v: string | number | undefined | null) => {
    if (v === undefined || v === null) return '';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
