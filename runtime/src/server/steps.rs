//! The two future combinators a request's future is made of, keeping their state in place.
//! `futures_util`'s `Map` (and `Then`, a `Map` inside a `Flatten`) move their whole state
//! out to take the closure once the first future is done: for a create charge, copies of
//! about 1 KB at each of three levels (0.2 µs of `memmove` per request in `perf`).

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project_lite::pin_project! {
    /// `future`, its output passed through `f`.
    pub(super) struct Map<Fut, F> {
        #[pin]
        future: Fut,
        f: Option<F>,
    }
}

pin_project_lite::pin_project! {
    /// `first`, then the future `f` makes of its output.
    #[project = ThenProj]
    pub(super) enum Then<A, F, B> {
        First { #[pin] future: A, f: Option<F> },
        Second { #[pin] future: B },
    }
}

/// `future`'s output passed through `f`.
pub(super) fn map<Fut: Future, F: FnOnce(Fut::Output) -> T, T>(future: Fut, f: F) -> Map<Fut, F> {
    Map { future, f: Some(f) }
}

/// `first`, then the future `f` makes of its output.
pub(super) fn then<A, F, B>(first: A, f: F) -> Then<A, F, B>
where
    A: Future,
    F: FnOnce(A::Output) -> B,
    B: Future,
{
    Then::First {
        future: first,
        f: Some(f),
    }
}

impl<Fut: Future, F: FnOnce(Fut::Output) -> T, T> Future for Map<Fut, F> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.project();
        let output = ready!(this.future.poll(cx));
        let f = this.f.take().expect("Map polled after it was done");
        Poll::Ready(f(output))
    }
}

impl<A, F, B> Future for Then<A, F, B>
where
    A: Future,
    F: FnOnce(A::Output) -> B,
    B: Future,
{
    type Output = B::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<B::Output> {
        loop {
            match self.as_mut().project() {
                ThenProj::First { future, f } => {
                    let output = ready!(future.poll(cx));
                    let f = f.take().expect("Then polled after it was done");
                    let second = f(output);
                    self.set(Then::Second { future: second });
                }
                ThenProj::Second { future } => return future.poll(cx),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn map_and_then_run_their_steps_in_order() {
        let steps = std::cell::RefCell::new(Vec::new());
        let first = async {
            tokio::task::yield_now().await;
            steps.borrow_mut().push("first");
            2
        };
        let chained = then(first, |n| {
            steps.borrow_mut().push("then");
            map(
                async move {
                    tokio::task::yield_now().await;
                    n * 10
                },
                |n| n + 1,
            )
        });
        assert_eq!(chained.await, 21);
        assert_eq!(*steps.borrow(), ["first", "then"]);
    }
}
