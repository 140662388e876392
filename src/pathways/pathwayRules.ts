// The pathway engine: a pathway's rules and a learner's credentials in, progress out. Pure
// (no express, no SQL, no clock of its own), so every kind of pathway (open, elective,
// rigid) is checked against hand-computed cases, external, expired and revoked components
// included. The store feeds it; the composite award, "My pathways", the cohort view and the
// CLR all read the same Progress.

export const PATHWAY_KINDS = ['open', 'elective', 'rigid'] as const;
export type PathwayKind = (typeof PATHWAY_KINDS)[number];

/** What a component is: a published micro-credential of this institution, or an external OB 3.0 achievement. */
export type ComponentRef = { type: 'internal'; credentialId: number } | { type: 'external'; issuerId: string; achievementId: string };

export interface PathwayComponent {
  /** Stable within the pathway: the rules name components by key. */
  key: string;
  title: string;
  ref: ComponentRef;
  /** The lowest result (grade or rubric percentage, 0–100) that counts; none: any passed result. */
  minResultPercent?: number;
  /** Credits an external achievement counts for when its credential states none. */
  credits?: number;
}

export interface ComponentGroup {
  id: string;
  title: string;
  /** At least this many of the group's components. */
  min: number;
  components: string[];
}

export interface PathwayRules {
  components: PathwayComponent[];
  /** Components every learner needs; for a rigid pathway, in this order. */
  required: string[];
  groups: ComponentGroup[];
  /** The least total of ECTS credits of the counted components. */
  minCredits?: number;
  /** A component older than this (from issue to completion) no longer counts. */
  maxAgeMonths?: number;
}

/** A credential the learner holds, as the engine needs it. */
export interface HeldCredential {
  /** The credential's own id (urn:uuid:… or the external credential's id). */
  id: string;
  ref: ComponentRef;
  issuedAt: Date;
  validUntil?: Date | null;
  revoked: boolean;
  credits?: number;
  /** Grade or rubric percentage, 0–100, when known. */
  resultPercent?: number;
  /** External credentials count only once a coordinator approved them; internal ones are always approved. */
  approval: 'approved' | 'pending' | 'rejected';
}

/** Why a component does or does not count, in the order a learner should read them. */
export type ComponentState = 'earned' | 'missing' | 'revoked' | 'expired' | 'too-old' | 'below-minimum' | 'pending-approval' | 'rejected';

export interface ComponentProgress {
  component: PathwayComponent;
  state: ComponentState;
  /** The credential that counts (state earned) or the best one that does not. */
  credential?: HeldCredential;
  credits: number;
}

export type RuleProgress =
  | { rule: 'required'; met: boolean; have: number; need: number; missing: string[] }
  | { rule: 'group'; groupId: string; title: string; met: boolean; have: number; need: number; missing: string[] }
  | { rule: 'credits'; met: boolean; have: number; need: number }
  | { rule: 'order'; met: boolean; outOfOrder: string[] };

export interface Progress {
  complete: boolean;
  /** Credits of the components that count. */
  credits: number;
  components: ComponentProgress[];
  rules: RuleProgress[];
  /** The credentials a composite would be built from: every earned component's. */
  counted: HeldCredential[];
  /** True when at least one of the learner's credentials matches a component, whatever its state. */
  relevant: boolean;
}

const sameRef = (a: ComponentRef, b: ComponentRef): boolean =>
  a.type === 'internal'
    ? b.type === 'internal' && a.credentialId === b.credentialId
    : b.type === 'external' && a.issuerId === b.issuerId && a.achievementId === b.achievementId;

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** Whether one held credential counts for a component at `now`, and if not, why. */
export function credentialState(component: PathwayComponent, held: HeldCredential, rules: Pick<PathwayRules, 'maxAgeMonths'>, now: Date): ComponentState {
  if (held.revoked) return 'revoked';
  if (held.approval === 'rejected') return 'rejected';
  if (held.approval === 'pending') return 'pending-approval';
  if (held.validUntil && held.validUntil.getTime() <= now.getTime()) return 'expired';
  if (rules.maxAgeMonths !== undefined && addMonths(held.issuedAt, rules.maxAgeMonths).getTime() < now.getTime()) return 'too-old';
  if (component.minResultPercent !== undefined && (held.resultPercent === undefined || held.resultPercent < component.minResultPercent)) return 'below-minimum';
  return 'earned';
}

/** States from best to worst: the best credential decides what the learner sees for a component. */
const RANK: ComponentState[] = ['earned', 'pending-approval', 'below-minimum', 'too-old', 'expired', 'rejected', 'revoked', 'missing'];

function componentProgress(component: PathwayComponent, held: HeldCredential[], rules: PathwayRules, now: Date): ComponentProgress {
  let best: ComponentProgress = { component, state: 'missing', credits: 0 };
  for (const h of held) {
    if (!sameRef(component.ref, h.ref)) continue;
    const state = credentialState(component, h, rules, now);
    const better = RANK.indexOf(state) < RANK.indexOf(best.state) || (state === best.state && best.credential && h.issuedAt > best.credential.issuedAt);
    if (better) best = { component, state, credential: h, credits: state === 'earned' ? (h.credits ?? component.credits ?? 0) : 0 };
  }
  return best;
}

/**
 * The learner's progress on a pathway at `now` (the moment of completion, for the age rule).
 * Every rule the pathway has must hold: required components, each group's minimum, the
 * credit total and, for a rigid pathway, the order in which the required components were earned.
 */
export function evaluatePathway(kind: PathwayKind, rules: PathwayRules, held: HeldCredential[], now: Date): Progress {
  const components = rules.components.map((c) => componentProgress(c, held, rules, now));
  const byKey = new Map(components.map((c) => [c.component.key, c]));
  const earned = (key: string) => byKey.get(key)?.state === 'earned';
  const progress: RuleProgress[] = [];

  if (rules.required.length) {
    const missing = rules.required.filter((k) => !earned(k));
    progress.push({ rule: 'required', met: missing.length === 0, have: rules.required.length - missing.length, need: rules.required.length, missing });
  }
  for (const g of rules.groups) {
    const have = g.components.filter(earned).length;
    progress.push({
      rule: 'group',
      groupId: g.id,
      title: g.title,
      met: have >= g.min,
      have,
      need: g.min,
      missing: have >= g.min ? [] : g.components.filter((k) => !earned(k)),
    });
  }
  const credits = round(components.reduce((sum, c) => sum + c.credits, 0));
  if (rules.minCredits !== undefined) progress.push({ rule: 'credits', met: credits >= rules.minCredits, have: credits, need: rules.minCredits });
  if (kind === 'rigid') {
    // A fixed sequence: each required component earned no earlier than the one before it.
    const outOfOrder: string[] = [];
    let last: Date | undefined;
    for (const key of rules.required) {
      const c = byKey.get(key);
      if (c?.state !== 'earned' || !c.credential) continue;
      if (last && c.credential.issuedAt < last) outOfOrder.push(key);
      else last = c.credential.issuedAt;
    }
    progress.push({ rule: 'order', met: outOfOrder.length === 0, outOfOrder });
  }
  return {
    complete: progress.length > 0 && progress.every((p) => p.met),
    credits,
    components,
    rules: progress,
    counted: components.filter((c) => c.state === 'earned' && c.credential).map((c) => c.credential!),
    relevant: components.some((c) => c.state !== 'missing'),
  };
}

/** ECTS come in halves and tenths; sums are kept to two decimals so 0.1 + 0.2 is 0.3. */
const round = (n: number) => Math.round(n * 100) / 100;

export interface RulesProblem {
  field: string;
  message: string;
}

/**
 * What keeps a pathway's rules from being published: a rule names an unknown component, a
 * group asks for more than it has, or the kind's own rule is absent (open: a credit total;
 * elective: a group; rigid: an order of at least two components).
 */
export function rulesProblems(kind: PathwayKind, rules: PathwayRules): RulesProblem[] {
  const problems: RulesProblem[] = [];
  const keys = new Set<string>();
  for (const c of rules.components) {
    if (keys.has(c.key)) problems.push({ field: 'components', message: `Two components have the key “${c.key}”.` });
    keys.add(c.key);
    if (c.ref.type === 'external' && (!/^https?:|^did:|^urn:/.test(c.ref.issuerId) || !/^https?:|^urn:/.test(c.ref.achievementId)))
      problems.push({ field: 'components', message: `External component “${c.title}” needs the issuer’s id and the achievement’s id (URLs, DIDs or URNs).` });
    if (c.minResultPercent !== undefined && (c.minResultPercent < 0 || c.minResultPercent > 100))
      problems.push({ field: 'components', message: `The minimum result of “${c.title}” must be between 0 and 100 %.` });
  }
  if (rules.components.length === 0) problems.push({ field: 'components', message: 'Add at least one component.' });
  for (const k of rules.required)
    if (!keys.has(k)) problems.push({ field: 'required', message: `A required component (“${k}”) is not one of the pathway’s components.` });
  for (const g of rules.groups) {
    for (const k of g.components)
      if (!keys.has(k)) problems.push({ field: 'groups', message: `Group “${g.title}” names a component (“${k}”) the pathway does not have.` });
    if (!Number.isInteger(g.min) || g.min < 1 || g.min > g.components.length)
      problems.push({ field: 'groups', message: `Group “${g.title}” asks for ${g.min} of its ${g.components.length} components.` });
  }
  if (rules.minCredits !== undefined && !(rules.minCredits > 0)) problems.push({ field: 'minCredits', message: 'The minimum of credits must be more than 0.' });
  if (rules.maxAgeMonths !== undefined && !(Number.isInteger(rules.maxAgeMonths) && rules.maxAgeMonths > 0))
    problems.push({ field: 'maxAgeMonths', message: 'The maximum age is a whole number of months, at least 1.' });
  if (kind === 'open' && rules.minCredits === undefined) problems.push({ field: 'minCredits', message: 'An open pathway needs a minimum total of credits.' });
  if (kind === 'elective' && rules.groups.length === 0)
    problems.push({ field: 'groups', message: 'An elective pathway needs at least one group to choose from.' });
  if (kind === 'rigid' && rules.required.length < 2)
    problems.push({ field: 'required', message: 'A rigid pathway needs at least two required components, in order.' });
  return problems;
}

/** The rules in words, for the catalogue, the designer's preview and the composite's criteria. */
export function describeRules(kind: PathwayKind, rules: PathwayRules): string[] {
  const title = (key: string) => rules.components.find((c) => c.key === key)?.title ?? key;
  const lines: string[] = [];
  if (rules.required.length)
    lines.push(kind === 'rigid' ? `In this order: ${rules.required.map(title).join(' → ')}.` : `Required: ${rules.required.map(title).join(', ')}.`);
  for (const g of rules.groups) lines.push(`At least ${g.min} of “${g.title}”: ${g.components.map(title).join(', ')}.`);
  if (rules.minCredits !== undefined) lines.push(`At least ${rules.minCredits} ECTS credits from the components.`);
  for (const c of rules.components) if (c.minResultPercent !== undefined) lines.push(`“${c.title}” counts with a result of at least ${c.minResultPercent} %.`);
  if (rules.maxAgeMonths !== undefined) lines.push(`Each component counts for ${rules.maxAgeMonths} months after it was issued.`);
  const external = rules.components.filter((c) => c.ref.type === 'external');
  if (external.length) lines.push(`External Open Badges count once a coordinator approves them: ${external.map((c) => c.title).join(', ')}.`);
  return lines;
}
