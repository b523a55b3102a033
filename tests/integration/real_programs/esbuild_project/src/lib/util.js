// Plain JavaScript helpers: generators, closures, a class with static members, optional chaining.
export function memoize(fn) {
  const cache = new Map();
  return (arg) => {
    if (!cache.has(arg)) cache.set(arg, fn(arg));
    return cache.get(arg);
  };
}

export function* counter(limit) {
  for (let i = 0; i < limit; i++) yield i;
}

export const range = (n) => [...counter(n)];

export class Stack {
  static created = 0;
  #items = [];
  constructor() {
    Stack.created++;
  }
  push(v) {
    this.#items.push(v);
  }
  drain() {
    const out = this.#items.reverse();
    this.#items = [];
    return out;
  }
  get top() {
    return this.#items.at?.(-1) ?? null;
  }
}

export const unused = () => "tree-shaken away";
