//! `Visible<T>`: a record read through the caller's scope. Only the domain that owns `T` can make
//! one, because making one takes that domain's [`Owned::Key`], a type whose only constructor is
//! private to the domain's module. Code elsewhere that needs "a class this caller may see" takes a
//! `&Visible<Class>` and so cannot be handed a row read any other way.

use std::ops::Deref;

/// A record type whose domain vouches for its reads.
pub trait Owned {
    /// Made only inside the owning domain (a unit struct with a private field).
    type Key;
}

/// A record the caller may see.
#[derive(Debug, Clone)]
pub struct Visible<T>(T);

impl<T: Owned> Visible<T> {
    /// Wraps a record the owning domain has just read through a scope.
    pub fn vouch(record: T, _key: T::Key) -> Visible<T> {
        Visible(record)
    }
}

impl<T> Visible<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Visible<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
