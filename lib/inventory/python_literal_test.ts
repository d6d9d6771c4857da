import { deepStrictEqual } from "node:assert/strict";
import { pythonValue } from "./python_literal.ts";

Deno.test("pythonValue() reads numbers as Python's literal_eval does", () => {
  const cases: [string, unknown][] = [
    ["5", 5],
    ["-3", -3],
    ["+7", 7],
    ["1_000", 1000],
    ["0x10", 16],
    ["0o17", 15],
    ["0b101", 5],
    ["1e3", 1000],
    ["2.5", 2.5],
    [".5", 0.5],
    ["0", 0],
    ["007", "007"],
    ["1__0", "1__0"],
    ["10.0.0.1", "10.0.0.1"],
    ["12abc", "12abc"],
  ];
  for (const [text, value] of cases) deepStrictEqual(pythonValue(text), value, text);
});

Deno.test("pythonValue() reads constants, quoted strings and containers", () => {
  deepStrictEqual(pythonValue("True"), true);
  deepStrictEqual(pythonValue("None"), null);
  deepStrictEqual(pythonValue("none"), "none");
  deepStrictEqual(pythonValue("Trueish"), "Trueish");
  deepStrictEqual(pythonValue(`'q'`), "q");
  deepStrictEqual(pythonValue(`"it\\'s \\x41"`), "it's A");
  deepStrictEqual(pythonValue("[1, 'a', (2, 3)]"), [1, "a", [2, 3]]);
  deepStrictEqual(pythonValue("{'a': [1], 2: None}"), { a: [1], 2: null });
  deepStrictEqual(pythonValue("a b"), "a b");
  deepStrictEqual(pythonValue("x # c"), "x # c");
  deepStrictEqual(pythonValue("{{ ansible_playbook_python }}"), "{{ ansible_playbook_python }}");
  deepStrictEqual(pythonValue("[1, 2"), "[1, 2");
  deepStrictEqual(Object.keys(pythonValue("{'__proto__': 1}") as object), ["__proto__"]);
  deepStrictEqual(
    pythonValue("[".repeat(100) + "]".repeat(100)),
    "[".repeat(100) + "]".repeat(100),
  );
});
