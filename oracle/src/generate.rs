//! Generating, rendering and shrinking fns of the grammar.

use crate::grammar::{Ctx, EXPRS, JUMPS, LOOPS, Template};

/// A small seeded generator (SplitMix64): a seed names a batch for ever.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The edition a batch is compiled on: temporary scopes differ (a block tail's temporaries,
/// an `if let`'s in its `else`), and let-chains are edition 2024 only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edition {
    /// Edition 2021.
    E2021,
    /// Edition 2024.
    E2024,
}

impl Edition {
    /// As Cargo spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Edition::E2021 => "2021",
            Edition::E2024 => "2024",
        }
    }
}

/// A node of a generated fn body: an expression of type `u32`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A literal.
    Lit(u32),
    /// A template of [`crate::grammar`], by table and index.
    Tpl {
        /// `true`: [`LOOPS`], `false`: [`EXPRS`].
        is_loop: bool,
        /// Index in its table.
        index: usize,
        /// The node's number: its names and probe ids.
        id: u32,
        /// Iterations of a loop (`%N`).
        n: u32,
        /// A loop is labelled.
        labelled: bool,
        /// The holes, in order.
        children: Vec<Node>,
    },
    /// A `continue` or `break` to an enclosing labelled loop, else the child.
    Jump {
        /// Index in [`JUMPS`].
        index: usize,
        /// The target loop's id.
        target: u32,
        /// The target is a `loop` (its `break` carries a value).
        target_has_value: bool,
        /// The value when not jumping.
        child: Box<Node>,
    },
}

/// A generated fn: its body, and whether its unnamed probes are the non-`Send` kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The body.
    pub body: Node,
    /// Unnamed probes are `tn(..)` (neither `Send` nor `Sync`) instead of `tp(..)`.
    pub send_variant: bool,
}

impl Case {
    /// The fn body's source text.
    pub fn render(&self) -> String {
        self.body.render(self.send_variant)
    }
}

#[derive(Clone)]
struct Scope {
    in_async: bool,
    /// Enclosing labelled loops: id, carries a break value.
    labels: Vec<(u32, bool)>,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    edition: Edition,
    next_id: u32,
    budget: usize,
}

/// Generates one fn of at most about `size` nodes.
pub fn generate(rng: &mut Rng, size: usize, edition: Edition) -> Case {
    let send_variant = rng.chance(25);
    let mut g = Gen {
        rng,
        next_id: 1,
        budget: size,
        edition,
    };
    let scope = Scope {
        in_async: true,
        labels: Vec::new(),
    };
    // The body is a block: a few statements, then a tail.
    let body = g.node(&scope, 0, true);
    Case { body, send_variant }
}

impl Gen<'_> {
    fn node(&mut self, scope: &Scope, depth: usize, root: bool) -> Node {
        if !root && (self.budget == 0 || depth > 6 || self.rng.chance(12)) {
            return Node::Lit(self.rng.below(10) as u32);
        }
        self.budget = self.budget.saturating_sub(1);
        if !scope.labels.is_empty() && self.rng.chance(10) {
            let (target, target_has_value) = scope.labels[self.rng.below(scope.labels.len())];
            let index = self.rng.below(JUMPS.len());
            let child = Box::new(self.node(scope, depth + 1, false));
            return Node::Jump {
                index,
                target,
                target_has_value,
                child,
            };
        }
        let is_loop = root || self.rng.chance(35);
        let table = if is_loop { LOOPS } else { EXPRS };
        let index = loop {
            let index = self.rng.below(table.len());
            let template = &table[index];
            let speaks = self.edition == Edition::E2024 || !template.name.contains("chain");
            if speaks && (scope.in_async || !template.needs_async) {
                break index;
            }
        };
        let template = &table[index];
        let id = self.next_id;
        self.next_id += 1;
        let n = 1 + self.rng.below(3) as u32;
        let labelled = is_loop && self.rng.chance(50);
        let children = template
            .children
            .iter()
            .map(|ctx| {
                let child_scope = match ctx {
                    Ctx::Same => scope.clone(),
                    Ctx::Sync => Scope {
                        in_async: false,
                        labels: Vec::new(),
                    },
                    Ctx::Async => Scope {
                        in_async: true,
                        labels: Vec::new(),
                    },
                    Ctx::Body => {
                        let mut body = scope.clone();
                        if labelled {
                            body.labels.push((id, template.name.starts_with("loop")));
                        }
                        body
                    }
                };
                self.node(&child_scope, depth + 1, false)
            })
            .collect();
        Node::Tpl {
            is_loop,
            index,
            id,
            n,
            labelled,
            children,
        }
    }
}

impl Node {
    fn template(is_loop: bool, index: usize) -> &'static Template {
        if is_loop {
            &LOOPS[index]
        } else {
            &EXPRS[index]
        }
    }

    /// Source text; `send_variant` builds unnamed probes with `tn`.
    pub fn render(&self, send_variant: bool) -> String {
        match self {
            Node::Lit(v) => format!("{v}u32"),
            Node::Jump {
                index,
                target,
                target_has_value,
                child,
            } => {
                let value = if *target_has_value {
                    format!("s{target}")
                } else {
                    String::new()
                };
                JUMPS[*index]
                    .replace("BV", &value)
                    .replace('L', &target.to_string())
                    .replace("$0", &child.render(send_variant))
            }
            Node::Tpl {
                is_loop,
                index,
                id,
                n,
                labelled,
                children,
            } => {
                let template = Self::template(*is_loop, *index);
                let id = id.to_string();
                let (label, brk) = if *labelled {
                    (format!("'l{id}: "), format!("'l{id}"))
                } else {
                    (String::new(), String::new())
                };
                let mut text = template
                    .text
                    .replace('@', &id)
                    .replace("%N", &n.to_string())
                    .replace("LBL", &label)
                    .replace("BRK", &brk)
                    .replace("TP(", if send_variant { "tn(" } else { "tp(" })
                    .replace(
                        "PTY",
                        if send_variant {
                            "Probe<NoSend>"
                        } else {
                            "Probe<Snd>"
                        },
                    );
                // Children last, highest hole first, so `$1` never eats the start of `$10`.
                for (i, child) in children.iter().enumerate().rev() {
                    text = text.replace(&format!("${i}"), &child.render(send_variant));
                }
                text
            }
        }
    }

    /// Number of nodes.
    pub fn size(&self) -> usize {
        match self {
            Node::Lit(_) => 1,
            Node::Jump { child, .. } => 1 + child.size(),
            Node::Tpl { children, .. } => 1 + children.iter().map(Node::size).sum::<usize>(),
        }
    }

    /// The template names used, for coverage counts.
    pub fn names(&self, out: &mut Vec<&'static str>) {
        match self {
            Node::Lit(_) => {}
            Node::Jump { child, .. } => {
                out.push("jump");
                child.names(out);
            }
            Node::Tpl {
                is_loop,
                index,
                children,
                ..
            } => {
                out.push(Self::template(*is_loop, *index).name);
                for child in children {
                    child.names(out);
                }
            }
        }
    }

    /// Smaller variants: each node replaced by a literal or by one of its children.
    pub fn shrink(&self) -> Vec<Node> {
        let mut out = Vec::new();
        match self {
            Node::Lit(0) => {}
            Node::Lit(_) => out.push(Node::Lit(0)),
            Node::Jump {
                child,
                index,
                target,
                target_has_value,
            } => {
                out.push((**child).clone());
                for smaller in child.shrink() {
                    out.push(Node::Jump {
                        index: *index,
                        target: *target,
                        target_has_value: *target_has_value,
                        child: Box::new(smaller),
                    });
                }
            }
            Node::Tpl { children, .. } => {
                out.push(Node::Lit(1));
                out.extend(children.iter().cloned());
                for (i, child) in children.iter().enumerate() {
                    for smaller in child.shrink() {
                        let mut copy = self.clone();
                        if let Node::Tpl { children, .. } = &mut copy {
                            children[i] = smaller;
                        }
                        out.push(copy);
                    }
                }
                if let Node::Tpl { labelled: true, .. } = self {
                    let mut copy = self.clone();
                    if let Node::Tpl { labelled, .. } = &mut copy {
                        *labelled = false;
                    }
                    out.push(copy);
                }
            }
        }
        out
    }
}
