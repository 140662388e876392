// How guessable an administrator's password is, with zxcvbn (@zxcvbn-ts v4): it knows the
// common passwords, words, names, keyboard patterns, repeats, sequences and dates that
// cracking tools try first, and what the person typed elsewhere on the form. Pure: no
// express, no SQL. The advice comes back as zxcvbn's keys; locales/<lang>/admin.json
// ("password.warning.*", "password.suggestion.*") words it in each language.
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/** zxcvbn's 0–4 scale; 3 is "safely unguessable" against an offline attack on a slow hash. */
export const MIN_PASSWORD_SCORE = 3;

/** The form's one sentence about it; the advice below it says why and what to change. */
export const WEAK_PASSWORD_MESSAGE = 'This password is too easy to guess.';

export interface PasswordVerdict {
  acceptable: boolean;
  /** 0 (guessed at once) to 4 (very unlikely). */
  score: number;
  /** Interface-string keys: what is wrong (if zxcvbn can tell) first, then what to do. */
  advice: string[];
}

let checker: ZxcvbnFactory | undefined;

/**
 * One instance for the process, built on first use: loading the dictionaries (5 MB of word
 * lists) and ranking them takes about a second, a check a few milliseconds. Required here,
 * not imported at the top, so that every start of the server does not pay for them.
 * No translations are given, so zxcvbn's feedback is its keys (its default), which our
 * catalogues translate.
 */
function zxcvbn(): ZxcvbnFactory {
  if (!checker) {
    const { ZxcvbnFactory: Factory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
    const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    const en = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
    checker = new Factory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs });
  }
  return checker;
}

/**
 * The words of the person's own details a guesser would try: the whole email, its local
 * part and domain and their pieces, and the tool's name.
 */
export function personalWords(email: string): string[] {
  const address = email.trim().toLowerCase();
  const [local = '', domain = ''] = address.split('@');
  const pieces = [...local.split(/[._+-]+/), ...domain.split('.')];
  return [...new Set([address, local, domain, ...pieces, 'microcred'].filter((w) => w.length >= 3))];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The password with the person's own words taken out (longest first, any case). */
function withoutWords(password: string, words: string[]): string {
  return [...words].sort((a, b) => b.length - a.length).reduce((rest, word) => rest.replace(new RegExp(escapeRegExp(word), 'gi'), ''), password);
}

export function judgePassword(password: string, email: string): PasswordVerdict {
  const words = personalWords(email);
  const result = zxcvbn().check(password, words);
  let score = result.score;
  let feedback = result.feedback;
  // zxcvbn never prices a sequence of several known tokens below 10^8 guesses, so a password
  // made only of the person's own details ("lena.jansen.uni.example") can reach score 3. A
  // guesser who knows the email tries those first: what is left without them must hold up.
  const rest = withoutWords(password, words);
  if (score >= MIN_PASSWORD_SCORE && rest !== password) {
    const restScore = rest ? zxcvbn().check(rest, words).score : 0;
    if (restScore < MIN_PASSWORD_SCORE) {
      score = restScore;
      feedback = { warning: 'userInputs', suggestions: ['anotherWord'] };
    }
  }
  const acceptable = score >= MIN_PASSWORD_SCORE;
  const advice = acceptable
    ? []
    : [...(feedback.warning ? [`admin.password.warning.${feedback.warning}`] : []), ...feedback.suggestions.map((s) => `admin.password.suggestion.${s}`)];
  // zxcvbn gives no advice for some middling passwords: still say what helps.
  if (!acceptable && advice.length === 0) advice.push('admin.password.suggestion.anotherWord');
  return { acceptable, score, advice };
}
