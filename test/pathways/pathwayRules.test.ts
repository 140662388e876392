// The pathway engine against hand-computed cases: one per kind (open, elective, rigid), and
// external, expired, revoked, too-old and below-minimum components.
import { describeRules, evaluatePathway, type HeldCredential, type PathwayComponent, type PathwayRules, rulesProblems } from '../../src/pathways/pathwayRules';

const NOW = new Date('2026-06-01T00:00:00Z');
const internal = (key: string, credentialId: number, extra: Partial<PathwayComponent> = {}): PathwayComponent => ({
  key,
  title: key.toUpperCase(),
  ref: { type: 'internal', credentialId },
  ...extra,
});
const EXT_ISSUER = 'https://other.example/issuer';
const EXT_ACH = 'https://other.example/achievements/7';
const external: PathwayComponent = {
  key: 'ext',
  title: 'Other school’s badge',
  ref: { type: 'external', issuerId: EXT_ISSUER, achievementId: EXT_ACH },
  credits: 2,
};

const held = (credentialId: number, credits: number, issued: string, extra: Partial<HeldCredential> = {}): HeldCredential => ({
  id: `urn:uuid:00000000-0000-4000-8000-${String(credentialId).padStart(12, '0')}`,
  ref: { type: 'internal', credentialId },
  issuedAt: new Date(issued),
  revoked: false,
  credits,
  approval: 'approved',
  ...extra,
});
const heldExternal = (approval: HeldCredential['approval'], extra: Partial<HeldCredential> = {}): HeldCredential => ({
  id: 'urn:uuid:11111111-1111-4111-8111-111111111111',
  ref: { type: 'external', issuerId: EXT_ISSUER, achievementId: EXT_ACH },
  issuedAt: new Date('2026-01-10T00:00:00Z'),
  revoked: false,
  approval,
  ...extra,
});

describe('an open pathway: any listed credentials adding up to 10 ECTS', () => {
  const rules: PathwayRules = { components: [internal('a', 1), internal('b', 2), internal('c', 3), external], required: [], groups: [], minCredits: 10 };

  it('is incomplete at 4 + 5 = 9 credits and complete at 4 + 5 + 2 (external, approved) = 11', () => {
    const mine = [held(1, 4, '2026-01-01'), held(2, 5, '2026-02-01')];
    const before = evaluatePathway('open', rules, mine, NOW);
    expect(before.complete).toBe(false);
    expect(before.credits).toBe(9);
    expect(before.rules).toEqual([{ rule: 'credits', met: false, have: 9, need: 10 }]);
    const after = evaluatePathway('open', rules, [...mine, heldExternal('approved')], NOW);
    expect(after.complete).toBe(true);
    expect(after.credits).toBe(11);
    expect(after.counted.map((c) => c.ref.type)).toEqual(['internal', 'internal', 'external']);
  });

  it('does not count an external badge waiting for a coordinator, nor a rejected one', () => {
    const mine = [held(1, 4, '2026-01-01'), held(2, 5, '2026-02-01')];
    const pending = evaluatePathway('open', rules, [...mine, heldExternal('pending')], NOW);
    expect(pending.complete).toBe(false);
    expect(pending.components.find((c) => c.component.key === 'ext')?.state).toBe('pending-approval');
    expect(evaluatePathway('open', rules, [...mine, heldExternal('rejected')], NOW).components.find((c) => c.component.key === 'ext')?.state).toBe('rejected');
  });

  it('does not count a revoked or an expired credential', () => {
    const mine = [
      held(1, 4, '2026-01-01'),
      held(2, 5, '2026-02-01', { revoked: true }),
      held(3, 6, '2025-01-01', { validUntil: new Date('2026-05-31T23:59:59Z') }),
    ];
    const p = evaluatePathway('open', rules, mine, NOW);
    expect(p.credits).toBe(4);
    expect(p.components.map((c) => c.state)).toEqual(['earned', 'revoked', 'expired', 'missing']);
    expect(p.complete).toBe(false);
  });

  it('counts the best of two credentials for one component (a revoked one and a valid one)', () => {
    const p = evaluatePathway('open', rules, [held(1, 4, '2026-01-01', { revoked: true }), { ...held(1, 4, '2026-03-01'), id: 'urn:uuid:re-issued' }], NOW);
    expect(p.components[0].state).toBe('earned');
    expect(p.components[0].credential?.id).toBe('urn:uuid:re-issued');
    expect(p.credits).toBe(4);
  });

  it('sums tenths exactly: 2.5 + 2.5 + 5 = 10', () => {
    expect(evaluatePathway('open', rules, [held(1, 2.5, '2026-01-01'), held(2, 2.5, '2026-01-01'), held(3, 5, '2026-01-01')], NOW).complete).toBe(true);
  });

  it('is not relevant to someone with none of its components', () => {
    expect(evaluatePathway('open', rules, [held(99, 5, '2026-01-01')], NOW).relevant).toBe(false);
  });
});

describe('an elective pathway: A required, 2 of {B, C, D}, at least 60 % in C, components at most 24 months old', () => {
  const rules: PathwayRules = {
    components: [internal('a', 1), internal('b', 2), internal('c', 3, { minResultPercent: 60 }), internal('d', 4)],
    required: ['a'],
    groups: [{ id: 'g1', title: 'Electives', min: 2, components: ['b', 'c', 'd'] }],
    maxAgeMonths: 24,
  };

  it('is complete with A, B and D', () => {
    const p = evaluatePathway('elective', rules, [held(1, 3, '2026-01-01'), held(2, 3, '2026-01-01'), held(4, 3, '2026-01-01')], NOW);
    expect(p.complete).toBe(true);
    expect(p.rules).toEqual([
      { rule: 'required', met: true, have: 1, need: 1, missing: [] },
      { rule: 'group', groupId: 'g1', title: 'Electives', met: true, have: 2, need: 2, missing: [] },
    ]);
    expect(p.credits).toBe(9);
  });

  it('does not count C at 55 % (below its minimum of 60 %), and says what is missing', () => {
    const p = evaluatePathway('elective', rules, [held(1, 3, '2026-01-01'), held(2, 3, '2026-01-01'), held(3, 3, '2026-01-01', { resultPercent: 55 })], NOW);
    expect(p.complete).toBe(false);
    expect(p.components[2].state).toBe('below-minimum');
    expect(p.rules[1]).toEqual({ rule: 'group', groupId: 'g1', title: 'Electives', met: false, have: 1, need: 2, missing: ['c', 'd'] });
    expect(
      evaluatePathway('elective', rules, [held(1, 3, '2026-01-01'), held(2, 3, '2026-01-01'), held(3, 3, '2026-01-01', { resultPercent: 60 })], NOW).complete,
    ).toBe(true);
  });

  it('does not count an A issued more than 24 months before completion', () => {
    const old = evaluatePathway('elective', rules, [held(1, 3, '2024-05-31'), held(2, 3, '2026-01-01'), held(4, 3, '2026-01-01')], NOW);
    expect(old.components[0].state).toBe('too-old');
    expect(old.rules[0]).toEqual({ rule: 'required', met: false, have: 0, need: 1, missing: ['a'] });
    // Exactly 24 months is still within the limit.
    expect(evaluatePathway('elective', rules, [held(1, 3, '2024-06-01'), held(2, 3, '2026-01-01'), held(4, 3, '2026-01-01')], NOW).complete).toBe(true);
  });
});

describe('a rigid pathway: A, then B, then C', () => {
  const rules: PathwayRules = { components: [internal('a', 1), internal('b', 2), internal('c', 3)], required: ['a', 'b', 'c'], groups: [] };

  it('is complete when they were earned in order (the same day counts as in order)', () => {
    const p = evaluatePathway('rigid', rules, [held(1, 2, '2026-01-01'), held(2, 2, '2026-02-01'), held(3, 2, '2026-02-01')], NOW);
    expect(p.complete).toBe(true);
    expect(p.rules.at(-1)).toEqual({ rule: 'order', met: true, outOfOrder: [] });
  });

  it('is not complete when B came before A', () => {
    const p = evaluatePathway('rigid', rules, [held(1, 2, '2026-02-01'), held(2, 2, '2026-01-01'), held(3, 2, '2026-03-01')], NOW);
    expect(p.complete).toBe(false);
    expect(p.rules.at(-1)).toEqual({ rule: 'order', met: false, outOfOrder: ['b'] });
  });

  it('shows two of three once A and B are earned; revoking B drops it back to one', () => {
    expect(evaluatePathway('rigid', rules, [held(1, 2, '2026-01-01'), held(2, 2, '2026-02-01')], NOW).rules[0]).toEqual({
      rule: 'required',
      met: false,
      have: 2,
      need: 3,
      missing: ['c'],
    });
    const revoked = evaluatePathway('rigid', rules, [held(1, 2, '2026-01-01'), held(2, 2, '2026-02-01', { revoked: true }), held(3, 2, '2026-03-01')], NOW);
    expect(revoked.complete).toBe(false);
    expect(revoked.rules[0]).toMatchObject({ have: 2, missing: ['b'] });
  });
});

describe('rules that cannot be published', () => {
  it('names each problem', () => {
    const bad: PathwayRules = {
      components: [internal('a', 1), internal('a', 2), { ...external, ref: { type: 'external', issuerId: 'nobody', achievementId: '' } }],
      required: ['z'],
      groups: [{ id: 'g', title: 'G', min: 3, components: ['a', 'q'] }],
      minCredits: 0,
    };
    const messages = rulesProblems('rigid', bad).map((p) => p.message);
    expect(messages).toEqual([
      'Two components have the key “a”.',
      'External component “Other school’s badge” needs the issuer’s id and the achievement’s id (URLs, DIDs or URNs).',
      'A required component (“z”) is not one of the pathway’s components.',
      'Group “G” names a component (“q”) the pathway does not have.',
      'Group “G” asks for 3 of its 2 components.',
      'The minimum of credits must be more than 0.',
      'A rigid pathway needs at least two required components, in order.',
    ]);
  });

  it('asks each kind for its own rule', () => {
    const empty: PathwayRules = { components: [internal('a', 1)], required: [], groups: [] };
    expect(rulesProblems('open', empty).map((p) => p.field)).toEqual(['minCredits']);
    expect(rulesProblems('elective', empty).map((p) => p.field)).toEqual(['groups']);
    expect(rulesProblems('rigid', empty).map((p) => p.field)).toEqual(['required']);
  });

  it('describes the rules in words', () => {
    const rules: PathwayRules = {
      components: [internal('a', 1), internal('b', 2, { minResultPercent: 70 }), external],
      required: ['a', 'b'],
      groups: [],
      maxAgeMonths: 36,
    };
    expect(describeRules('rigid', rules)).toEqual([
      'In this order: A → B.',
      '“B” counts with a result of at least 70 %.',
      'Each component counts for 36 months after it was issued.',
      'External Open Badges count once a coordinator approves them: Other school’s badge.',
    ]);
  });
});
