// The pure assessment domain: file type detection, rubric scores and grades, agreement
// between assessors, progress, identity records and independence. No database.
import { zipSync } from './zip';
import { sniffMimeType, typeAllowed } from '../../src/assessment/fileType';
import { describeIdentity, identityFromForm, identityNotice, independenceProblem } from '../../src/assessment/identity';
import { countEvidence, credentialProgress } from '../../src/assessment/progress';
import { compareAssessors, gradeOf, scoreRubric } from '../../src/assessment/scoring';
import { completeDefinition } from '../credentials/fixtures';

describe('sniffMimeType', () => {
  it.each([
    ['%PDF-1.7\n', 'application/pdf'],
    [Buffer.from('89504e470d0a1a0a', 'hex'), 'image/png'],
    [Buffer.from('ffd8ffe000104a464946', 'hex'), 'image/jpeg'],
    ['GIF89a....', 'image/gif'],
    [Buffer.from('d0cf11e0a1b11ae1', 'hex'), 'application/msword'],
    [Buffer.concat([Buffer.from('00000018', 'hex'), Buffer.from('ftypmp42')]), 'video/mp4'],
    ['ID3\u0003\u0000', 'audio/mpeg'],
    ['Plain notes, with ünïcode.\n', 'text/plain'],
    ['<!DOCTYPE html><html><script>alert(1)</script>', 'text/html'],
    ['  <svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'text/html'],
    [Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]), undefined],
    ['', undefined],
  ])('%j is %s', (content, expected) => {
    expect(sniffMimeType(Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'))).toBe(expected);
  });

  it('tells Word, Excel, PowerPoint and OpenDocument apart from a plain ZIP by their entries', () => {
    expect(sniffMimeType(zipSync({ '[Content_Types].xml': '<x/>', 'word/document.xml': '<w/>' }))).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(sniffMimeType(zipSync({ '[Content_Types].xml': '<x/>', 'xl/workbook.xml': '<w/>' }))).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(sniffMimeType(zipSync({ '[Content_Types].xml': '<x/>', 'ppt/presentation.xml': '<w/>' }))).toBe(
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    );
    expect(sniffMimeType(zipSync({ mimetype: 'application/vnd.oasis.opendocument.text', 'content.xml': '<c/>' }))).toBe(
      'application/vnd.oasis.opendocument.text',
    );
    expect(sniffMimeType(zipSync({ 'notes.txt': 'hello' }))).toBe('application/zip');
  });

  it('accepts what a criterion allows, and never markup when it allows anything', () => {
    expect(typeAllowed('application/pdf', ['application/pdf'])).toBe(true);
    expect(typeAllowed('image/png', ['application/pdf'])).toBe(false);
    expect(typeAllowed('image/png', [])).toBe(true);
    expect(typeAllowed('text/html', [])).toBe(false);
    expect(typeAllowed('application/msword', ['application/vnd.ms-excel'])).toBe(true);
  });
});

describe('scoreRubric and gradeOf', () => {
  const def = completeDefinition();
  const criteria = def.rubric.criteria; // plan: 0–3 points (weight 1, pass 2); publish: 0,2,4 (weight 2, pass 2)

  it('weights points and scales the percentage between the lowest and highest possible score', () => {
    const s = scoreRubric(criteria, { 'crit-plan': 'plan-3', 'crit-publish': 'pub-2' });
    expect(s.points).toBe(2 + 2 * 2);
    expect(s.maxPoints).toBe(3 + 4 * 2);
    expect(s.percent).toBe(54.5); // 6 / 11
    expect(s.allPassed).toBe(true);
    expect(gradeOf(def, s)).toEqual({ text: '54.5%', points: 6, maxPoints: 11, percent: 54.5 });
    expect(gradeOf({ ...def, gradeShown: false }, s)).toBeUndefined();
  });

  it('reports criteria without a level, and levels below the pass level', () => {
    const s = scoreRubric(criteria, { 'crit-plan': 'plan-2', 'crit-publish': 'not-a-level' });
    expect(s.missing).toEqual(['crit-publish']);
    expect(s.results[0]).toMatchObject({ criterionId: 'crit-plan', level: 'Developing', passed: false });
    expect(s.allPassed).toBe(false);
  });

  it('compares two assessors per criterion: exact, within one level, apart, incomplete', () => {
    const rows = compareAssessors(criteria, { 'crit-plan': 'plan-1', 'crit-publish': 'pub-2' }, { 'crit-plan': 'plan-4', 'crit-publish': 'pub-2' });
    expect(rows.map((r) => [r.agreement, r.distance])).toEqual([
      ['apart', 3],
      ['exact', 0],
    ]);
    expect(compareAssessors(criteria, { 'crit-plan': 'plan-2' }, { 'crit-plan': 'plan-3' }).map((r) => r.agreement)).toEqual(['adjacent', 'incomplete']);
  });
});

describe('credentialProgress', () => {
  const def = completeDefinition();

  it('lists the evidence still needed per criterion, and outcomes not started', () => {
    const p = credentialProgress(def, {
      assessedLevels: {},
      evidence: countEvidence([
        { criterionId: 'crit-plan', kind: 'file' },
        { criterionId: null, kind: 'link' },
      ]),
    });
    expect(p.criteria.map((c) => c.evidenceNeeded)).toEqual([['1 more written reflection'], ['1 more link']]);
    expect(p.outcomes.map((o) => o.state)).toEqual(['in-progress', 'not-started']);
    expect(p.evidenceComplete).toBe(false);
    expect(p.percent).toBe(17); // 1 of 3 evidence items, no criterion passed: 1/3 × 50
  });

  it('marks outcomes achieved when every criterion assessing them passed', () => {
    const evidence = countEvidence([
      { criterionId: 'crit-plan', kind: 'file' },
      { criterionId: 'crit-plan', kind: 'reflection' },
      { criterionId: 'crit-publish', kind: 'link' },
    ]);
    const p = credentialProgress(def, { assessedLevels: { 'crit-plan': 'plan-3', 'crit-publish': 'pub-1' }, evidence });
    expect(p.criteria.map((c) => c.state)).toEqual(['passed', 'below-pass']);
    expect(p.outcomes.map((o) => o.state)).toEqual(['achieved', 'in-progress']);
    expect(p.percent).toBe(75);
  });
});

describe('identity records', () => {
  const ctx = { now: new Date('2026-11-25T10:00:00Z'), recorderId: 7, recorderName: 'Ada Teacher' };

  it('requires a method, a supervision method online and a document kind on site', () => {
    expect(identityFromForm({}, ctx)).toEqual({ ok: false, errors: { identityMethod: expect.stringContaining('Choose how') } });
    expect(identityFromForm({ method: 'online-supervisor' }, ctx)).toMatchObject({ ok: false, errors: { identitySupervisionMethod: expect.any(String) } });
    expect(identityFromForm({ method: 'onsite-id-check', idDocumentType: 'library-card' }, ctx)).toMatchObject({
      ok: false,
      errors: { identityIdDocumentType: expect.stringContaining('never recorded') },
    });
  });

  it('records who attested, when, and the factors; an on-site check always verifies identity', () => {
    const r = identityFromForm({ method: 'onsite-id-check', idDocumentType: 'national-id-card', factors: '2' }, ctx);
    expect(r).toEqual({
      ok: true,
      record: {
        method: 'onsite-id-check',
        identityVerified: true,
        attestedBy: 'Ada Teacher',
        attestedAt: '2026-11-25T10:00:00.000Z',
        factors: 2,
        recordedById: 7,
        idDocumentType: 'national-id-card',
      },
    });
    expect(describeIdentity(r.ok ? r.record : undefined)).toBe(
      'On-site check of a national identity card, attested by Ada Teacher on 2026-11-25 10:00 (2 factors).',
    );
  });

  it('keeps the launch record when the LMS launch is the method', () => {
    const launchRecord = {
      method: 'lms-launch' as const,
      identityVerified: false,
      attestedBy: 'Moodle (LMS sign-in)',
      attestedAt: '2026-11-20T09:00:00.000Z',
      recordedById: 3,
      lms: { platform: 'Moodle', launchId: 'L1', at: '2026-11-20T09:00:00.000Z' },
    };
    expect(identityFromForm({ method: 'lms-launch' }, { ...ctx, launchRecord })).toEqual({ ok: true, record: { ...launchRecord, factors: 1 } });
  });

  it('tells learners what is required and what is recorded', () => {
    expect(identityNotice(undefined).how).toContain('LMS is recorded');
    expect(identityNotice('onsite with identity verification').how).toContain('never its number');
    expect(identityNotice('supervised with no identity verification').how).toContain('attests that the assessment was supervised');
  });

  it('applies the independence rules', () => {
    const strict = { assessorNotLearner: true, assessorNotTeacher: true };
    expect(independenceProblem(strict, { id: 5, isCourseTeacher: false }, 5)).toContain('your own submission');
    expect(independenceProblem(strict, { id: 6, isCourseTeacher: true }, 5)).toContain('own teachers cannot assess');
    expect(independenceProblem(strict, { id: 6, isCourseTeacher: false }, 5)).toBeUndefined();
    expect(independenceProblem({ assessorNotLearner: false, assessorNotTeacher: false }, { id: 5, isCourseTeacher: true }, 5)).toBeUndefined();
  });
});
