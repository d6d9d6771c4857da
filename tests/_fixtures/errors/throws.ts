/** Throws from a few lines in, after types that stripping must not shift. */

interface Shape {
  kind: "square";
  side: number;
}

type Area = number;

/** Computes nothing: throws where the tests expect it. */
export function kaboom(shape: Shape = { kind: "square", side: 2 }): Area {
  const area: Area = shape.side * shape.side;
  if (area > 0) throw new Error("kaboom");
  return area;
}
