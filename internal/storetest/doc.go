// Package storetest is the contract every store implementation must meet,
// written once as tests and run against each backend (package sqlite and
// package postgres call it from their own tests). A behaviour that one
// backend has and another lacks is a bug this package should catch.
//
// Each function takes an open function returning a fresh, empty store for
// one test, so the subtests can run in parallel, and whatever backend hooks
// a check needs that the store interface rightly lacks (such as editing a
// row behind the store's back to prove the audit chain notices).
package storetest
