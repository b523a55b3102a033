import { h, Fragment, render } from "./lib/jsx";
import { Inventory, Category, type Item } from "./lib/inventory";
import * as fmt from "./lib/format";
import { memoize, range, Stack } from "./lib/util.js";
import { Table } from "./components/Table";
import { Header } from "./components/Header";
import catalogue from "./data/catalogue.json";
import banner from "./data/banner.txt";

const inventory = new Inventory<Item>();
for (const entry of catalogue.items) {
  inventory.add({ name: entry.name, price: entry.price, qty: entry.qty, category: Category[entry.category as keyof typeof Category] });
}

const fib = memoize((n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2)));
const stack = new Stack<string>();
range(5).forEach((i) => stack.push(fmt.pad(String(fib(i * 10)), 12)));

const page = (
  <>
    <Header title={catalogue.title} subtitle={banner.trim()} />
    <Table rows={inventory.sorted("price")} total={inventory.total()} />
    <ul class="fib">{stack.drain().map((s) => <li>{s}</li>)}</ul>
  </>
);

export function main(): string {
  return render(page);
}

console.log(main());
