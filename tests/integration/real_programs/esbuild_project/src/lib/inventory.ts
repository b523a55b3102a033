// Typed inventory with an enum, a generic class and a namespace of helpers.
export enum Category {
  Tool = 1,
  Part,
  Book = 10,
}

export interface Item {
  name: string;
  price: number;
  qty: number;
  category: Category;
}

export namespace Pricing {
  export const vatRate = 0.2;
  export function withVat(price: number): number {
    return Math.round(price * (1 + vatRate) * 100) / 100;
  }
}

export class Inventory<T extends Item> {
  private items: T[] = [];
  #log: string[] = [];

  add(item: T): this {
    this.items.push(item);
    this.#log.push(`add ${item.name}`);
    return this;
  }

  sorted<K extends keyof T>(key: K): T[] {
    return [...this.items].sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0));
  }

  total(): number {
    return this.items.reduce((sum, i) => sum + Pricing.withVat(i.price) * i.qty, 0);
  }

  get history(): readonly string[] {
    return this.#log;
  }
}
