// Shared set-up for pathway tests: two courses of one LMS (the simulator's context switched
// for the second), a published micro-credential in each, and a published pathway over both.
import type { CredentialDefinition } from '../../src/credentials/model';
import type { PathwayInput } from '../../src/pathways/store';
import { launchAs, type Person, publishCredential } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import type { PlatformSimulator } from '../support/platformSimulator';
import type { TestTool } from '../support/tool';

export const COURSE_B = { id: 'course-202', label: 'CHEM202', title: 'Chemistry 202' };

/** Runs `fn` with the simulator launching into a second course, then puts the first back. */
export async function inCourseB<T>(sim: PlatformSimulator, fn: () => Promise<T>): Promise<T> {
  const ctx = sim.context as { id: string; label: string; title: string };
  const saved = { ...ctx };
  Object.assign(ctx, COURSE_B);
  try {
    return await fn();
  } finally {
    Object.assign(ctx, saved);
  }
}

export const definitionTitled = (title: string, ects: number): CredentialDefinition => ({
  ...completeDefinition(),
  title,
  code: title.slice(0, 8).toUpperCase(),
  workload: { ects, hours: ects * 28 },
  // The launch is the identity evidence in these tests.
  supervisionType: 'unsupervised with no identity verification',
});

/** The composite's Annex I elements: a complete definition (its rubric is not used). */
export const compositeDefinition = (title = 'Data Steward (pathway)'): CredentialDefinition => ({
  ...completeDefinition(),
  title,
  code: 'PATH-DS',
  workload: { ects: 6, hours: 168 },
  rubric: { criteria: [] },
});

export interface TwoCourses {
  teacherA: Person;
  teacherB: Person;
  credA: number;
  credB: number;
}

export async function twoCourses(tool: TestTool, sim: PlatformSimulator): Promise<TwoCourses> {
  const teacherA = await launchAs(tool, sim, 'instructor');
  const credA = await publishCredential(tool, teacherA, definitionTitled('Research Data Management', 3));
  const { teacherB, credB } = await inCourseB(sim, async () => {
    const teacherB = await launchAs(tool, sim, 'instructor');
    return { teacherB, credB: await publishCredential(tool, teacherB, definitionTitled('Data Publication', 3)) };
  });
  return { teacherA, teacherB, credA, credB };
}

export function openPathway(credA: number, credB: number, minCredits = 6): PathwayInput {
  return {
    title: 'Data Steward',
    description: 'Two micro-credentials in research data, 6 ECTS.',
    kind: 'open',
    rules: {
      components: [
        { key: 'rdm', title: 'Research Data Management', ref: { type: 'internal', credentialId: credA } },
        { key: 'pub', title: 'Data Publication', ref: { type: 'internal', credentialId: credB } },
      ],
      required: [],
      groups: [],
      minCredits,
    },
    definition: compositeDefinition(),
  };
}
