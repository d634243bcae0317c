//! Values rustc keeps alive across a loop without a name: a macro's earlier operands, borrows
//! whose lifetime a `let` extends, and what a `let .. else` drops before its `else` block; and
//! macros that print their operands as written. Every shape here once changed what the program
//! did under `#[cooperative]`. (`unsafe { &*cell.borrow() }` is the oracle's: this crate forbids
//! `unsafe`.)

use crate::shape;

shape!(format_operand_borrow_before_a_loop, never_yields, async fn(env) {
    let text = format!("{:?} {}", env.queue.borrow().len(), {
        let mut s = 0u64;
        for i in 0..300 {
            s += i;
        }
        s
    });
    u64::try_from(text.len()).unwrap_or(0)
});

shape!(format_operand_lock_before_a_loop, never_yields, async fn(env) {
    let text = format!("{:?} {}", env.mutex.lock().map(|queue| queue.len()), {
        let mut s = 0u64;
        for i in 0..300 {
            s += i;
        }
        s
    });
    u64::try_from(text.len()).unwrap_or(0)
});

shape!(write_target_borrowed_before_a_loop, never_yields, async fn(env) {
    use std::fmt::Write as _;
    let mut out = String::new();
    write!(out, "{} {}", env.queue.borrow().len(), {
        let mut s = 0u64;
        for i in 0..300 {
            s += i;
        }
        s
    })
    .expect("a String takes every write");
    u64::try_from(out.len()).unwrap_or(0)
});

shape!(deref_of_a_borrow_extends_it, never_yields, async fn(env) {
    #[allow(clippy::borrow_deref_ref, clippy::deref_addrof)] // the shape under test
    let items: &[u64] = &*&env.queue.borrow();
    let mut total = 0;
    for i in 0..300 {
        total += i;
    }
    total + items.len() as u64
});

shape!(borrow_of_a_borrow_extends_it, never_yields, async fn(env) {
    let items = &&env.queue.borrow();
    let mut total = 0;
    for i in 0..300 {
        total += i;
    }
    total + items.len() as u64
});

shape!(let_else_loop_runs_after_the_borrow_is_dropped, yields, async fn(env) {
    let Some(x) = env.queue.borrow().get(1000).copied() else {
        let mut n = 0u64;
        loop {
            n += 1;
            if n > 300 {
                return n;
            }
        }
    };
    x
});

shape!(failed_assert_prints_the_condition_as_written, never_yields, async fn(env) {
    assert!(
        {
            let mut s = 0u64;
            for i in 0..300 {
                s += i;
            }
            s
        } == 1,
    );
    0
});

shape!(loop_after_an_assert_message_operand, yields, async fn(env) {
    let mut total = 0;
    assert!(env.count == 0, "{}", {
        for i in 0..300 {
            total += i;
        }
        total
    });
    total
});

/// A queue whose `*` borrows it: an overloaded operator's value can be a guard.
struct Scaled<'a>(&'a std::cell::RefCell<Vec<u64>>);

impl<'a> std::ops::Mul<u64> for &Scaled<'a> {
    type Output = std::cell::RefMut<'a, Vec<u64>>;
    fn mul(self, by: u64) -> Self::Output {
        let mut queue = self.0.borrow_mut();
        queue.push(by);
        queue
    }
}

fn first_plus(queue: &std::cell::RefMut<'_, Vec<u64>>, n: u64) -> u64 {
    queue.first().copied().unwrap_or(0) + n
}

shape!(overloaded_operator_guard_before_a_loop, never_yields, async fn(env) {
    let scaled = super::Scaled(&env.queue);
    super::first_plus(&(&scaled * 2), {
        let mut s = 0u64;
        for i in 0..300 {
            s += i;
        }
        s
    })
});
