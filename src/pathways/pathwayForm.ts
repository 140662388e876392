// The pathway designer's form: the posted fields become a PathwayInput (rules and the
// composite's Annex I elements), with one message per field that is wrong. Pure, so the admin
// console and the coordinator's launch pages read the same form the same way, and a form with
// a mistake is shown again with what was typed (`values`).
import type { CredentialDefinition } from '../credentials/model';
import { ASSESSMENT_TYPE_VALUES, type AssessmentType, type EqfLevel, PARTICIPATION_TYPE_VALUES, type ParticipationType } from '../credentials/vocabulary';
import { PATHWAY_KINDS, type PathwayComponent, type PathwayKind, type PathwayRules } from './pathwayRules';
import type { PathwayInput } from './store';

export type FormValues = Record<string, string>;

export interface ParsedPathwayForm {
  input?: PathwayInput;
  errors: Record<string, string>;
  values: FormValues;
}

/** The credentials a designer may choose from (the institution's published micro-credentials). */
export interface Offered {
  credentialId: number;
  title: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

function optionalNumber(
  values: FormValues,
  name: string,
  errors: Record<string, string>,
  opts: { min: number; max: number; integer?: boolean },
): number | undefined {
  const raw = values[name];
  if (!raw) return undefined;
  const n = Number(raw.replace(',', '.'));
  if (!Number.isFinite(n) || n < opts.min || n > opts.max || (opts.integer && !Number.isInteger(n))) {
    errors[name] = `Enter ${opts.integer ? 'a whole number' : 'a number'} from ${opts.min} to ${opts.max}.`;
    return undefined;
  }
  return n;
}

/** Reads the designer's form. Internal components are rows per offered credential; external ones and groups are lines. */
export function parsePathwayForm(body: Record<string, unknown>, offered: Offered[]): ParsedPathwayForm {
  const values: FormValues = {};
  for (const [k, v] of Object.entries(body)) if (k !== '_csrf' && typeof v === 'string') values[k] = v.slice(0, 20_000);
  const errors: Record<string, string> = {};

  const title = str(values.title);
  if (!title) errors.title = 'Give the pathway a title.';
  const kind = values.kind as PathwayKind;
  if (!PATHWAY_KINDS.includes(kind)) errors.kind = 'Choose open, elective or rigid.';

  const components: PathwayComponent[] = [];
  const required: { key: string; position: number }[] = [];
  const groupOf = new Map<string, string[]>();
  const addToGroup = (group: string, key: string) => groupOf.set(group, [...(groupOf.get(group) ?? []), key]);

  for (const o of offered) {
    if (values[`comp_${o.credentialId}`] !== 'on') continue;
    const key = `c${o.credentialId}`;
    const min = optionalNumber(values, `min_${o.credentialId}`, errors, { min: 0, max: 100 });
    components.push({ key, title: o.title, ref: { type: 'internal', credentialId: o.credentialId }, ...(min !== undefined ? { minResultPercent: min } : {}) });
    if (values[`req_${o.credentialId}`] === 'on') required.push({ key, position: Number(values[`pos_${o.credentialId}`]) || 999 });
    const group = str(values[`group_${o.credentialId}`]);
    if (group) addToGroup(group, key);
  }

  // External achievements: "Title | issuer id | achievement id | credits | group or 'required'" per line.
  str(values.external)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const [t, issuerId, achievementId, credits, group] = line.split('|').map((p) => p.trim());
      if (!t || !issuerId || !achievementId) {
        errors.external = `Line ${i + 1}: write “title | issuer id | achievement id | credits | group”.`;
        return;
      }
      const key = `x${i + 1}`;
      const c = credits ? Number(credits.replace(',', '.')) : undefined;
      if (c !== undefined && !(Number.isFinite(c) && c >= 0 && c <= 300)) errors.external = `Line ${i + 1}: the credits must be a number from 0 to 300.`;
      components.push({ key, title: t, ref: { type: 'external', issuerId, achievementId }, ...(c !== undefined && Number.isFinite(c) ? { credits: c } : {}) });
      if (group?.toLowerCase() === 'required') required.push({ key, position: 1000 + i });
      else if (group) addToGroup(group, key);
    });

  // Groups: "Name = N" per line.
  const groups: PathwayRules['groups'] = [];
  str(values.groups)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const m = /^(.+?)\s*=\s*(\d+)$/.exec(line);
      if (!m) {
        errors.groups = `Line ${i + 1}: write “group name = how many”.`;
        return;
      }
      groups.push({ id: `g${i + 1}`, title: m[1], min: Number(m[2]), components: groupOf.get(m[1]) ?? [] });
    });
  for (const name of groupOf.keys())
    if (!groups.some((g) => g.title === name)) errors.groups = `Components are put in the group “${name}”: say how many of it count (“${name} = 1”).`;

  const minCredits = optionalNumber(values, 'minCredits', errors, { min: 0.5, max: 300 });
  const maxAgeMonths = optionalNumber(values, 'maxAgeMonths', errors, { min: 1, max: 600, integer: true });
  const rules: PathwayRules = {
    components,
    required: required.sort((a, b) => a.position - b.position).map((r) => r.key),
    groups,
    ...(minCredits !== undefined ? { minCredits } : {}),
    ...(maxAgeMonths !== undefined ? { maxAgeMonths } : {}),
  };

  const definition = compositeDefinitionFrom(values, errors);
  if (Object.keys(errors).length) return { errors, values };
  return { input: { title, description: str(values.description), kind, rules, definition }, errors, values };
}

/** The composite credential's Annex I elements from the form's c_* fields. Blank ones stay blank: the readiness panel names them. */
function compositeDefinitionFrom(values: FormValues, errors: Record<string, string>): CredentialDefinition {
  const ects = optionalNumber(values, 'c_ects', errors, { min: 0.5, max: 300 });
  const hours = optionalNumber(values, 'c_hours', errors, { min: 1, max: 9000 });
  const eqf = optionalNumber(values, 'c_eqf', errors, { min: 1, max: 8, integer: true });
  const assessment = str(values.c_assessment);
  const participation = str(values.c_participation);
  const outcomes = str(values.c_outcomes)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return {
    ...(str(values.c_title) ? { title: str(values.c_title) } : {}),
    ...(str(values.c_description) ? { description: str(values.c_description) } : {}),
    language: 'en',
    ...(str(values.c_country) ? { issuerCountries: [str(values.c_country).toUpperCase()] } : {}),
    ...(str(values.c_awarding_body) ? { awardingBodies: [{ name: str(values.c_awarding_body) }] } : {}),
    learningOutcomes: outcomes.map((statement, i) => ({ id: `lo${i + 1}`, statement, alignments: [], mappedCourseOutcomeIds: [] })),
    ...(ects !== undefined || hours !== undefined ? { workload: { ...(ects !== undefined ? { ects } : {}), ...(hours !== undefined ? { hours } : {}) } } : {}),
    ...(eqf !== undefined ? { level: { eqfLevel: eqf as EqfLevel } } : {}),
    ...((ASSESSMENT_TYPE_VALUES as readonly string[]).includes(assessment) ? { assessmentType: assessment as AssessmentType } : {}),
    ...((PARTICIPATION_TYPE_VALUES as readonly string[]).includes(participation) ? { participationType: participation as ParticipationType } : {}),
    ...(str(values.c_qa) ? { qualityAssuranceType: str(values.c_qa) } : {}),
    stackability: { kind: 'stand-alone' },
    rubric: { criteria: [] },
  };
}

/** The form's fields for a saved pathway, so the edit page starts from what is stored. */
export function formValuesOf(p: PathwayInput): FormValues {
  const v: FormValues = { title: p.title, description: p.description, kind: p.kind };
  const r = p.rules;
  const groupName = (key: string) => r.groups.find((g) => g.components.includes(key))?.title ?? '';
  const ext: string[] = [];
  for (const c of r.components) {
    if (c.ref.type === 'internal') {
      const id = c.ref.credentialId;
      v[`comp_${id}`] = 'on';
      if (r.required.includes(c.key)) {
        v[`req_${id}`] = 'on';
        v[`pos_${id}`] = String(r.required.indexOf(c.key) + 1);
      }
      if (groupName(c.key)) v[`group_${id}`] = groupName(c.key);
      if (c.minResultPercent !== undefined) v[`min_${id}`] = String(c.minResultPercent);
    } else {
      const group = r.required.includes(c.key) ? 'required' : groupName(c.key);
      ext.push([c.title, c.ref.issuerId, c.ref.achievementId, c.credits ?? '', group].join(' | ').replace(/(\s\|\s)+$/, ''));
    }
  }
  v.external = ext.join('\n');
  v.groups = r.groups.map((g) => `${g.title} = ${g.min}`).join('\n');
  if (r.minCredits !== undefined) v.minCredits = String(r.minCredits);
  if (r.maxAgeMonths !== undefined) v.maxAgeMonths = String(r.maxAgeMonths);
  const d = p.definition;
  Object.assign(v, {
    c_title: d.title ?? '',
    c_description: d.description ?? '',
    c_country: d.issuerCountries?.[0] ?? '',
    c_awarding_body: d.awardingBodies?.[0]?.name ?? '',
    c_outcomes: d.learningOutcomes.map((lo) => lo.statement).join('\n'),
    c_ects: d.workload?.ects !== undefined ? String(d.workload.ects) : '',
    c_hours: d.workload?.hours !== undefined ? String(d.workload.hours) : '',
    c_eqf: d.level?.eqfLevel !== undefined ? String(d.level.eqfLevel) : '',
    c_assessment: d.assessmentType ?? '',
    c_participation: d.participationType ?? '',
    c_qa: d.qualityAssuranceType ?? '',
  });
  return v;
}
