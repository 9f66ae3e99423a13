//! HTTP integration tests: one test binary (one link on two cores), a module per area. Each
//! test starts its own server on 127.0.0.1 with a fresh data directory.

mod common;

mod backups;

mod crm;
mod dedup;
mod demo;
mod files;
mod goods;
mod i18n;
mod imports;
mod logistics;
mod nodes;
mod notify;
mod products;
mod projects;
mod projects_conversation;
mod sales;
mod transfer;

mod access;
mod accounts;
mod concurrency;
mod document;
mod faults;
mod input;
mod kit;
mod matrix;
mod records;
mod search;
mod web;
