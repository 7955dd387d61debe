/**
 * A battle's category from its first prompt: coding, maths, writing or other. A transparent
 * keyword score rather than a model, so anyone can predict (and an admin correct) the result:
 * each category's signals are counted, code fences and symbolic arithmetic weigh more, and the
 * highest score wins; ties go to the more specific category (coding, then maths, then writing).
 * No signal at all means "other".
 */
export const CATEGORIES = ["coding", "maths", "writing", "other"] as const;
export type Category = (typeof CATEGORIES)[number];

type Signal = [RegExp, number];

const SIGNALS: Record<Exclude<Category, "other">, Signal[]> = {
  coding: [
    [/```|`[^`\n]+\(\)`/, 3],
    [/\b(python|javascript|typescript|java|rust|golang|c\+\+|c#|kotlin|swift|ruby|php|bash|shell script|sql|html|css|react|node\.?js|regex|json|yaml|dockerfile|kubernetes|git)\b/i, 2],
    [/\b(function|class|method|variable|compile[rsd]?|debug|bug|stack ?trace|exception|segfault|refactor|unit tests?|api|endpoint|algorithm|recursion|linked list|hash ?map|big-?o|library|framework|syntax|code|coding|program(ming)?|script)\b/i, 1],
    [/\b(def|import|return|const|let|var|public|static|void|async|await)\s+\w/, 2],
    [/[;{}]\s*$|=>|::|\bnull\b|\bnil\b/m, 1],
  ],
  maths: [
    [/\d\s*[-+*/^×÷=<>]\s*\(?\d|\b\d+\s*%|√|∫|∑|π|\bx\^\d/, 3],
    [/\b(math|maths|mathematics|equation|solve|integral|derivative|differentiate|integrate|theorem|proof|prove|lemma|probability|statistics|variance|matrix|matrices|eigen\w*|vector|algebra|geometry|calculus|trigonometry|logarithm|polynomial|prime|factori[sz]e|fraction|percent(age)?|arithmetic|sum of|square root|how many|calculate|compute)\b/i, 1],
  ],
  writing: [
    [/\b(write|draft|compose|rewrite|rephrase|paraphrase|proofread|edit|polish|summari[sz]e)\b.{0,40}\b(poem|story|essay|email|e-mail|letter|speech|article|blog( post)?|post|paragraph|review|song|lyrics|haiku|limerick|sonnet|tweet|caption|slogan|cover letter|toast|text|this)\b/i, 3],
    [/\b(poem|story|stories|essay|haiku|limerick|sonnet|lyrics|novel|fiction|narrative|character|plot|dialogue|tone|prose|metaphor|rhyme|cover letter|blog post|screenplay)\b/i, 1],
  ],
};

const ORDER: Exclude<Category, "other">[] = ["coding", "maths", "writing"];

export function categorize(prompt: string): Category {
  let best: Category = "other", bestScore = 0;
  for (const c of ORDER) {
    const score = SIGNALS[c].reduce((s, [re, w]) => s + (re.test(prompt) ? w : 0), 0);
    if (score > bestScore) { best = c; bestScore = score; }
  }
  return best;
}

export const isCategory = (c: string): c is Category => (CATEGORIES as readonly string[]).includes(c);
