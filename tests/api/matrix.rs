//! The access matrix (issue 6), generated from `/api/openapi.json`: every operation × every
//! preset role (plus one custom role, and anonymous) × the owner of the record the operation
//! names: the caller, a teammate, a rep of another team, nobody (the public pool), or a pool only
//! another team sees. A new endpoint is covered without edits, or the test fails and says what
//! to add.
//!
//! Each cell's expected answer comes from the written policy, not from a copy of it: the grants
//! and hidden field classes are each caller's effective permissions as the server states them
//! (`GET /api/v1/me`, built from the `PRESETS` table in `src/auth/policy.rs`), and [`POLICY`]
//! says, per operation, which module × action × scope the domain asks for and how it treats the
//! record's owner. The answers, as the server gives them:
//! - no session: 401 on every operation that declares the session cookie;
//! - the module's action not granted (or not with the scope an admin screen needs): 403;
//! - a record outside the caller's read scope (or in a pool the caller's teams do not see): 404,
//!   so nobody learns it exists (tasks and imports also answer 404 outside the action's scope;
//!   the recycle bin answers 403; claiming an owned customer answers 409 and names the owner);
//! - a record the caller reads but may not change: 403;
//! - otherwise access: a 2xx for a read, and for a write anything but 401/403/404 (bodies are
//!   filled from the OpenAPI schemas with plain values; a 409 stale version or a 422 still
//!   proves the way in was open).
//!
//! Invariants kept as anchors that do not depend on the table: nothing answers 5xx; the observer
//! never changes anything but their own profile (and marks their own notifications read); the external supplier never reaches CRM or user
//! data; a sales rep never reads another team's customer, contact or lead; hidden field classes
//! (cost, profit, supplier_price) never appear in any answer, in exported CSV/XLSX headers, or in
//! search hits of a caller whose roles hide them. Search hits also follow the read scope.
//!
//! Beyond status codes, every answer (error bodies, lists, exports and search hits included) is
//! scanned for the words of the names of the records under test: a word the caller may not read
//! (and did not send) is a leak. Lists are asked for `scope=all` with 200 per page and read again
//! after all writes; the duplicate check is probed with a word of a record's name, and at the
//! end the duplicate check and the warning when saving with a name one letter off.
//!
//! Records are created when a cell first needs them: each caller's own, and one set for each
//! other owner that all callers share. A record a write went through is built afresh.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Instant;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer};

const ROLES: &[&str] = &[
    "admin",
    "manager",
    "sales",
    "merchandiser",
    "buyer",
    "warehouse",
    "logistics",
    "finance",
    "observer",
    "supplier",
];

/// The password `TestServer::user` gives its users.
const PASSWORD: &str = "user-pass-1";

// ---- the written policy, per operation ------------------------------------------------------

/// A module's action: named, or taken from the HTTP method.
#[derive(Clone, Copy, Debug)]
enum Act {
    Is(&'static str),
    /// Collections: GET read, POST create, PUT/PATCH update, DELETE delete.
    ByMethod,
    /// A record and what hangs off it: GET read, DELETE delete, any other write update (adding
    /// a contact or a timeline entry changes the customer).
    OnRecord,
}

impl Act {
    fn key(self, method: &Method) -> &'static str {
        match (self, method.as_str()) {
            (Act::Is(a), _) => a,
            (_, "GET") => "read",
            (_, "DELETE") => "delete",
            (Act::ByMethod, "POST") => "create",
            _ => "update",
        }
    }
}

const READ: Act = Act::Is("read");
const CREATE: Act = Act::Is("create");
const UPDATE: Act = Act::Is("update");
const EXPORT: Act = Act::Is("export");
const IMPORT: Act = Act::Is("import");
const DELETE: Act = Act::Is("delete");
const ASSIGN: Act = Act::Is("assign");
/// Setting or clearing `locked` / `key_account` (exempt from the pool's return rules).
const LOCK: Act = Act::Is("lock");
/// Deleting customers: apart from the CRM `delete` of leads, of customers merged into another
/// and of restoring from the recycle bin.
const DELETE_CUSTOMER: Act = Act::Is("delete_customer");
const CRM: &str = "crm";
const SALES: &str = "sales";
const FINANCE: &str = "finance";
const PROJECTS: &str = "projects";
const PURCHASING: &str = "purchasing";
const INVENTORY: &str = "inventory";
const LOGISTICS: &str = "logistics";

/// What an operation asks of the caller before it looks at any record (403 when missing).
#[derive(Clone, Copy, Debug)]
enum Need {
    /// Any logged-in user.
    Login,
    /// The administrator flag (purging the recycle bin).
    Admin,
    /// Some scope of a module's action.
    Some(&'static str, Act),
    /// Scope `all` of a module's action (admin screens).
    All(&'static str, Act),
}

/// How an operation treats the record it names (in the path, or `customer_id` /
/// `survivor_id` in the body), by the record's owner.
#[derive(Clone, Copy, Debug)]
enum Check {
    /// The action is required (403); the record must be visible, i.e. the read scope reaches
    /// its owner, or it sits in a pool the caller sees: one without teams, one of the caller's
    /// teams, or any with read scope `all` (else 404, existence hidden); then the action's scope
    /// must reach the owner, for a pool record scope `all` (403).
    Visible(&'static str, Act),
    /// Only the action's scope counts (403 without it); out of reach answers the status given.
    Reach(&'static str, Act, u16),
    /// Claiming from the pool: an owned customer conflicts (409 naming the owner, even one the
    /// caller may not read: "someone claimed it a moment ago"), a pool customer must be visible.
    Claim,
    /// Deciding a transfer request (asked by someone else): the customer's owner (if they may
    /// change customers at all: a read-only owner gets 403), or a caller whose assign scope
    /// reaches the owner, may; everyone else, and requests for a customer now in a pool, get
    /// 404 (the request is not theirs to see).
    Decide,
    /// Withdrawing a transfer request: only its requester may (the fixture's requester is never
    /// the caller), so those who see it (as [`Check::Decide`]) get 403, everyone else 404.
    Withdraw,
    /// Giving a lead to oneself: a pool lead needs create, an owned one the assign scope over
    /// its owner (403). (The target is always the caller here; giving a lead to another team's
    /// rep needs the assign scope over that rep too: `crm.rs`.)
    Take,
    /// A notification: only its recipient reaches it; everyone else gets 404.
    Mine,
    /// Completing an order's follow-up node by hand (after [`Check::Visible`] read): the
    /// node's responsible role preset (named here), the order's owner, or sales update scope
    /// `all` (a manager); anyone else who reads the order gets 403.
    NodeHand(&'static str),
}

/// (methods `A|B` or `*`, paths under `/api/v1` as in the OpenAPI document, `A|B`, a trailing
/// `*` covering the path and everything below it; what the caller needs; how the record's owner
/// counts). The first row that matches decides; an operation no row matches fails the test.
type Rule = (
    &'static str,
    &'static str,
    &'static [Need],
    &'static [Check],
);

#[rustfmt::skip]
const POLICY: &[Rule] = &[
    // Anyone logged in: their profile and session, the permission catalogue, the search box
    // (hits are scoped: checked after the matrix), the company shown in the app shell, the
    // duplicate rules, and the recycle bin listing only what the caller may restore.
    ("*", "/me*|/auth/logout|/permissions/catalog|/search", &[Need::Login], &[]),
    ("GET", "/company|/duplicates/rules|/recycle-bin|/kinds", &[Need::Login], &[]),
    // Everyone's own inbox, and only their own.
    ("POST", "/notifications/{id}/read", &[Need::Login], &[Check::Mine]),
    ("*", "/notifications*", &[Need::Login], &[]),
    // Restoring needs the delete right of the kind's module (`{kind}` is filled with customer;
    // restoring destroys nothing, so it is the CRM delete, not the customers' own) within the
    // owner's scope; out of reach is 403, not 404.
    ("POST", "/recycle-bin/{kind}/{id}/restore", &[Need::Login], &[Check::Reach(CRM, DELETE, 403)]),
    ("DELETE", "/recycle-bin/{kind}/{id}", &[Need::Admin], &[]),
    ("GET", "/audit", &[Need::Some("audit", READ)], &[]),
    // Users, teams and roles: readers see the directory, user admins do the rest.
    ("GET", "/users|/teams|/roles", &[Need::Some("users", READ)], &[]),
    ("*", "/users*|/teams*|/roles*", &[Need::All("users", UPDATE)], &[]),
    // CRM settings: read by CRM readers, changed by settings admins.
    ("GET", "/pools|/cadence-rules", &[Need::Some(CRM, READ)], &[]),
    ("*", "/pools*|/cadence-rules*|/duplicates/rules|/company", &[Need::All("settings", UPDATE)], &[]),
    ("*", "/handover*", &[Need::All(CRM, ASSIGN)], &[]),
    // Backups: the settings admins' screen.
    ("*", "/backups*", &[Need::All("settings", UPDATE)], &[]),
    // Imports are owned by their uploader, but only scope-`all` presets import, so owners
    // other than the caller cannot be built from the presets (imports.rs covers own scope).
    // The upload here is a customer file (the CRM import); the import screens need the import
    // right of some kind (CRM or products: the presets that have one have both).
    ("*", "/imports*|/import-mappings*", &[Need::Some(CRM, IMPORT)], &[]),
    ("GET", "/customers/export", &[Need::Some(CRM, EXPORT), Need::Some(CRM, READ)], &[]),
    ("GET", "/duplicates/check", &[Need::Some(CRM, READ)], &[]),
    ("GET", "/duplicates/scan", &[Need::Some(CRM, UPDATE)], &[]),
    // The survivor must be changeable, the merged customers deletable.
    // (Merging keeps everything on the survivor and can be undone: the CRM delete, not the
    // customers' own.)
    ("POST", "/customers/merge", &[], &[Check::Visible(CRM, UPDATE), Check::Visible(CRM, DELETE)]),
    ("POST", "/merges/{id}/undo", &[], &[Check::Visible(CRM, UPDATE)]),
    ("POST", "/customers/{id}/claim", &[Need::Some(CRM, CREATE)], &[Check::Claim]),
    ("POST", "/customers/{id}/transfer", &[Need::Some(CRM, ASSIGN)], &[Check::Visible(CRM, ASSIGN)]),
    ("POST", "/leads/{id}/assign", &[], &[Check::Visible(CRM, READ), Check::Take]),
    ("POST", "/leads/{id}/convert", &[Need::Some(CRM, CREATE)], &[Check::Visible(CRM, UPDATE)]),
    // Files follow the record they hang on: reading one needs reading the record, deleting one
    // changing it (`/customers/{id}/attachments` falls under the customer's own rows below).
    ("GET", "/attachments/{id}/content|/attachments/{id}/thumbnail", &[], &[Check::Visible(CRM, READ)]),
    ("DELETE", "/attachments/{id}", &[], &[Check::Visible(CRM, UPDATE)]),
    ("*", "/activities/{id}/attachments", &[], &[Check::Visible(CRM, Act::OnRecord)]),
    // Changing or deleting a contact changes its customer.
    ("*", "/contacts/{id}", &[], &[Check::Visible(CRM, UPDATE)]),
    ("PATCH", "/tasks/{id}", &[], &[Check::Reach(CRM, UPDATE, 404)]),
    // A customer for another owner (`owner_id`) needs the create scope over that owner.
    ("POST", "/customers", &[], &[Check::Reach(CRM, CREATE, 403)]),
    // An opportunity is added to a customer (`customer_id`), which that changes.
    ("POST", "/opportunities", &[], &[Check::Visible(CRM, UPDATE)]),
    // Deleting a customer is the customers' own right (a lead's delete is the CRM delete).
    ("DELETE", "/customers/{id}", &[], &[Check::Visible(CRM, DELETE_CUSTOMER)]),
    // A customer's orders, outstanding and credit: the sales read right, on a customer the
    // caller reads.
    ("GET", "/customers/{id}/money", &[Need::Some(SALES, READ)], &[Check::Visible(CRM, READ)]),
    ("*", "/customers/{id}*|/leads/{id}*|/opportunities/{id}", &[], &[Check::Visible(CRM, Act::OnRecord)]),
    // Transfer requests name a customer the caller may not read (the duplicate check's
    // `transfer_ref`; the sampled one is no reference, 422): asking needs the create right,
    // listing the read right. A request (the fixture's is asked by the idle rep) is decided by the customer's owner or a caller
    // whose assign scope reaches the owner, and withdrawn only by its requester.
    ("POST", "/transfer-requests/{id}/accept|/transfer-requests/{id}/decline", &[Need::Some(CRM, READ)], &[Check::Decide]),
    ("POST", "/transfer-requests/{id}/withdraw", &[Need::Some(CRM, READ)], &[Check::Withdraw]),
    ("*", "/transfer-requests", &[Need::Some(CRM, Act::ByMethod)], &[]),
    ("*", "/customers|/leads|/opportunities|/pool|/my-day", &[Need::Some(CRM, Act::ByMethod)], &[]),
    // The catalogue is the company's: any scope of the products module's action reaches it.
    // Its export needs the export right besides reading; its images and files are read with
    // the product and added with the right to change it.
    ("GET", "/products/export", &[Need::Some("products", EXPORT), Need::Some("products", READ)], &[]),
    ("GET", "/products/{id}/attachments", &[Need::Some("products", READ)], &[]),
    ("POST", "/products/{id}/attachments", &[Need::Some("products", UPDATE)], &[]),
    ("*", "/products*", &[Need::Some("products", Act::ByMethod)], &[]),
    // Sales documents follow their customer's owner. Making one needs the customer readable
    // (CRM) and the sales create scope over its owner; making the order of a quotation
    // changes the quotation.
    ("POST", "/quotations|/orders", &[Need::Some(SALES, CREATE)], &[Check::Visible(CRM, READ), Check::Visible(SALES, CREATE)]),
    ("POST", "/quotations/{id}/order", &[Need::Some(SALES, CREATE)], &[Check::Visible(SALES, UPDATE)]),
    ("POST", "/quotations/{id}/steps", &[], &[Check::Visible(SALES, UPDATE)]),
    // The letterhead: read by those who make sales documents, set by settings admins.
    ("GET", "/document-settings", &[Need::Some(SALES, READ)], &[]),
    ("PUT", "/document-settings", &[Need::All("settings", UPDATE)], &[]),
    // An order's availability needs the inventory read right besides reading the order; raising
    // purchase requests for its shortfall the purchasing create right.
    // Follow-up nodes (SAL-5): the templates are read by sales readers and changed with scope
    // `all`; the board lists the orders the caller reads; a node (the fixture's is `feedback`,
    // the sales role's) is completed by hand by its role, the order's owner or a manager.
    ("GET", "/order-node-templates*", &[Need::Some(SALES, READ)], &[]),
    ("*", "/order-node-templates*", &[Need::All(SALES, UPDATE)], &[]),
    ("GET", "/orders/board", &[Need::Some(SALES, READ)], &[]),
    ("POST", "/orders/{id}/nodes/{key}/complete|/orders/{id}/nodes/{key}/reopen", &[Need::Some(SALES, READ)],
        &[Check::Visible(SALES, READ), Check::NodeHand("sales")]),
    ("GET", "/orders/{id}/availability", &[Need::Some(INVENTORY, READ)], &[Check::Visible(SALES, READ)]),
    ("POST", "/orders/{id}/purchase-requests", &[Need::Some(PURCHASING, CREATE)], &[Check::Visible(SALES, READ)]),
    ("*", "/quotations/{id}*|/orders/{id}*", &[], &[Check::Visible(SALES, Act::OnRecord)]),
    ("GET", "/quotations|/orders|/receivables/aging", &[Need::Some(SALES, READ)], &[]),
    // Receipts follow the paying customer's owner; recording one needs finance create and a
    // customer the caller reads.
    ("POST", "/receipts", &[Need::Some(FINANCE, CREATE)], &[Check::Visible(CRM, READ)]),
    ("*", "/receipts/{id}*", &[], &[Check::Visible(FINANCE, Act::OnRecord)]),
    ("GET", "/receipts", &[Need::Some(FINANCE, READ)], &[]),
    ("GET", "/receivables/fx", &[Need::Some(FINANCE, READ)], &[]),
    // Supplier invoices and payables are finance's with scope `all` (they have no owner).
    ("POST", "/supplier-invoices/{id}/payments", &[Need::All(FINANCE, UPDATE)], &[]),
    ("*", "/supplier-invoices*|/payables*", &[Need::All(FINANCE, Act::ByMethod)], &[]),
    // Rates and terms templates are the company's (any scope of the finance action).
    ("POST", "/exchange-rates/import", &[Need::Some(FINANCE, IMPORT)], &[]),
    ("*", "/exchange-rates*|/payment-terms*", &[Need::Some(FINANCE, Act::ByMethod)], &[]),
    // Projects (`src/domain/projects/mod.rs`): a project is reached as its manager, members
    // and observers say (a `Holder::Project`); an observer member reads but changes nothing
    // short of scope `all`. Tasks follow their project: adding one changes the project. The
    // templates are the company's (any scope of the module's action); laying out a project
    // from one makes a project of the caller's; saving one needs to read the project.
    ("GET", "/my/tasks", &[Need::Some(PROJECTS, READ)], &[]),
    ("POST", "/projects/from-template", &[Need::Some(PROJECTS, CREATE)], &[]),
    ("POST", "/projects/{id}/save-as-template", &[Need::Some(PROJECTS, CREATE)], &[Check::Visible(PROJECTS, READ)]),
    ("POST", "/projects/{id}/tasks", &[Need::Some(PROJECTS, CREATE)], &[Check::Visible(PROJECTS, UPDATE)]),
    // A task's conversation: reacting needs reading the task (observers react, PRJ-5);
    // commenting, rating and attaching change it (the row below).
    ("POST", "/project-tasks/{id}/reactions", &[], &[Check::Visible(PROJECTS, READ)]),
    ("*", "/projects/{id}*|/project-tasks/{id}*", &[], &[Check::Visible(PROJECTS, Act::OnRecord)]),
    ("*", "/projects|/project-templates*", &[Need::Some(PROJECTS, Act::ByMethod)], &[]),
    // Suppliers belong to their portal login (the external supplier role reads its own, scope
    // own); one without a login, and a draft purchase order, only scope `all` reaches (the
    // fixtures hold them as a pool no caller's team sees). Purchase orders follow their
    // supplier; making one needs the supplier readable and the create scope over its holder.
    // Receiving goods is the warehouse's: the inventory create right on an order it reads.
    ("GET", "/suppliers/choice", &[Need::Some(PURCHASING, READ)], &[]),
    ("*", "/suppliers", &[Need::Some(PURCHASING, Act::ByMethod)], &[]),
    ("*", "/suppliers/{id}", &[], &[Check::Visible(PURCHASING, Act::OnRecord)]),
    ("POST", "/purchase-orders", &[Need::Some(PURCHASING, CREATE)], &[Check::Visible(PURCHASING, CREATE)]),
    ("GET", "/purchase-orders", &[Need::Some(PURCHASING, READ)], &[]),
    ("POST", "/purchase-orders/{id}/receipts", &[Need::Some(INVENTORY, CREATE)], &[Check::Visible(PURCHASING, READ)]),
    ("*", "/purchase-orders/{id}", &[], &[Check::Visible(PURCHASING, Act::OnRecord)]),
    // Reorder rules and the planning run are the buyers': purchasing with scope `all`.
    ("*", "/reorder-rules*|/purchase-plan*", &[Need::All(PURCHASING, Act::ByMethod)], &[]),
    // Warehouses, the ledger, transfers and availability are the company's (any scope of the
    // inventory action); the settings are changed by settings admins.
    ("PUT", "/inventory-settings", &[Need::All("settings", UPDATE)], &[]),
    ("GET", "/inventory-settings|/stock|/availability", &[Need::Some(INVENTORY, READ)], &[]),
    ("POST", "/stock-transfers/{id}/receive", &[Need::Some(INVENTORY, UPDATE)], &[]),
    ("*", "/warehouses*|/stock-moves|/stock-transfers*", &[Need::Some(INVENTORY, Act::ByMethod)], &[]),
    // Shipments follow their order's owner; making one needs the logistics create right and
    // an order the caller reads.
    ("POST", "/shipments", &[Need::Some(LOGISTICS, CREATE)], &[Check::Visible(SALES, READ)]),
    ("GET", "/shipments", &[Need::Some(LOGISTICS, READ)], &[]),
    // The tracking providers' webhook secrets are the company's settings.
    ("GET", "/tracking-settings", &[Need::All("settings", READ)], &[]),
    ("PUT", "/tracking-settings", &[Need::All("settings", UPDATE)], &[]),
    ("*", "/shipments/{id}*", &[], &[Check::Visible(LOGISTICS, Act::OnRecord)]),
];

/// Body fields that need an action of their own beyond the operation's: each operation a row
/// matches is run once more with the field set to `true` (on a record where it is `false`), and
/// that cell follows the row's rule instead of the operation's.
#[rustfmt::skip]
const FIELD_POLICY: &[(&str, Rule)] = &[
    ("locked", ("PATCH", "/customers/{id}", &[], &[Check::Visible(CRM, UPDATE), Check::Visible(CRM, LOCK)])),
    ("key_account", ("PATCH", "/customers/{id}", &[], &[Check::Visible(CRM, UPDATE), Check::Visible(CRM, LOCK)])),
    ("locked", ("POST", "/customers", &[], &[Check::Reach(CRM, CREATE, 403), Check::Reach(CRM, LOCK, 403)])),
    ("key_account", ("POST", "/customers", &[], &[Check::Reach(CRM, CREATE, 403), Check::Reach(CRM, LOCK, 403)])),
];

/// Which fixture a path parameter names, by the path segment before it.
const RECORDS: &[(&str, &str)] = &[
    ("customers", "customer"),
    ("contacts", "contact"),
    ("leads", "lead"),
    ("opportunities", "opportunity"),
    ("tasks", "task"),
    ("merges", "merge"),
    ("handover", "handover"),
    ("transfer-requests", "transfer"),
    ("notifications", "notification"),
    ("imports", "import"),
    ("import-mappings", "mapping"),
    ("pools", "pool"),
    ("cadence-rules", "cadence_rule"),
    ("users", "user"),
    ("teams", "team"),
    ("roles", "role"),
    ("recycle-bin", "trash"),
    ("activities", "activity"),
    ("attachments", "attachment"),
    ("products", "product"),
    ("quotations", "quotation"),
    ("orders", "order"),
    ("receipts", "receipt"),
    ("exchange-rates", "exchange_rate"),
    ("payment-terms", "payment_terms"),
    ("order-node-templates", "order_node_template"),
    ("nodes", "order_node"),
    ("projects", "project"),
    ("project-tasks", "project_task"),
    ("project-templates", "project_template"),
    ("suppliers", "supplier"),
    ("purchase-orders", "purchase_order"),
    ("warehouses", "warehouse"),
    ("stock-transfers", "stock_transfer"),
    ("reorder-rules", "reorder_rule"),
    ("supplier-invoices", "supplier_invoice"),
    ("shipments", "shipment"),
];

/// Query parameters that name records: a word of the cell's record's name (a probe).
const QUERY_REFS: &[(&str, &str)] = &[("name", "customer")];

/// Query parameters that name records by id: the cell's record of that kind.
const QUERY_IDS: &[(&str, &str)] = &[("product_id", "product")];

/// Body fields that name records: the cell's records (`me`: the caller, `owner`: the cell's
/// owner, none for a pool, which means the caller).
const REFS: &[(&str, &str)] = &[
    ("customer_id", "customer"),
    ("supplier_id", "supplier"),
    ("survivor_id", "customer"),
    ("merged_ids", "twin"),
    ("owner_id", "owner"),
    ("user_id", "me"),
    ("to_user", "me"),
    ("from_user", "me"),
    ("template_id", "project_template"),
    ("order_id", "order"),
];

fn pattern_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(base) => path == base || path.strip_prefix(base).is_some_and(|r| r.starts_with('/')),
        None => path == pattern,
    }
}

fn rule_for(method: &Method, path: &str) -> Option<&'static Rule> {
    let rel = path.strip_prefix("/api/v1")?;
    POLICY.iter().find(|(methods, paths, _, _)| {
        (*methods == "*" || methods.split('|').any(|m| m == method.as_str()))
            && paths.split('|').any(|p| pattern_matches(p, rel))
    })
}

// ---- callers and what the policy lets them do -------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    None,
    Own,
    Team,
    All,
}

struct Caller {
    role: String,
    /// 0 for anonymous.
    id: u64,
    username: String,
    client: Client,
    /// The effective grants: module → action → scope, as `GET /api/v1/me` states them.
    grants: Value,
    hidden: Vec<String>,
    is_admin: bool,
    /// Everyone in the caller's teams, the caller included.
    team: Vec<u64>,
    /// The caller's teams.
    teams: Vec<u64>,
}

impl Caller {
    fn anonymous(&self) -> bool {
        self.id == 0
    }

    fn scope(&self, module: &str, action: &str) -> Scope {
        match self.grants[module][action].as_str() {
            Some("own") => Scope::Own,
            Some("team") => Scope::Team,
            Some("all") => Scope::All,
            _ => Scope::None,
        }
    }

    fn reaches(&self, scope: Scope, owner: Option<u64>) -> bool {
        match (scope, owner) {
            (Scope::All, _) => true,
            (Scope::Team, Some(o)) => self.team.contains(&o),
            (Scope::Own, Some(o)) => o == self.id,
            _ => false,
        }
    }

    fn meets(&self, need: Need, method: &Method) -> bool {
        match need {
            Need::Login => true,
            Need::Admin => self.is_admin,
            Need::Some(m, a) => self.scope(m, a.key(method)) != Scope::None,
            Need::All(m, a) => self.scope(m, a.key(method)) == Scope::All,
        }
    }

    /// The refusal a record check gives, if any.
    fn refusal(&self, check: Check, method: &Method, holder: &Holder) -> Option<u16> {
        match check {
            Check::Visible(module, act) => {
                let action = act.key(method);
                let scope = self.scope(module, action);
                if scope == Scope::None {
                    return Some(403);
                }
                let read = self.scope(module, "read");
                let (visible, allowed) = match holder {
                    Holder::User(u) => {
                        (self.reaches(read, Some(*u)), self.reaches(scope, Some(*u)))
                    }
                    Holder::Pool(teams) => (
                        read != Scope::None
                            && (teams.is_empty()
                                || read == Scope::All
                                || teams.iter().any(|t| self.teams.contains(t))),
                        action == "read" || scope == Scope::All,
                    ),
                    Holder::Project(manager, member) => (
                        self.reaches_project(read, *manager, *member, false),
                        self.reaches_project(scope, *manager, *member, action != "read"),
                    ),
                };
                if !visible {
                    Some(404)
                } else if !allowed {
                    Some(403)
                } else {
                    None
                }
            }
            Check::Reach(module, act, status) => match self.scope(module, act.key(method)) {
                Scope::None => Some(403),
                scope => (!self.reaches(scope, holder.user())).then_some(status),
            },
            Check::Claim => match holder {
                Holder::User(_) | Holder::Project(..) => Some(409),
                Holder::Pool(_) => self.refusal(Check::Visible(CRM, READ), method, holder),
            },
            Check::Decide | Check::Withdraw => {
                let (owns, assigns) = match holder {
                    Holder::User(u) => (
                        *u == self.id,
                        self.reaches(self.scope(CRM, "assign"), Some(*u)),
                    ),
                    Holder::Pool(_) | Holder::Project(..) => (false, false),
                };
                let changes = self.scope(CRM, "update") != Scope::None;
                match check {
                    _ if !owns && !assigns => Some(404),
                    Check::Withdraw => Some(403),
                    _ if assigns || changes => None,
                    _ => Some(403),
                }
            }
            Check::Mine => match holder {
                Holder::User(u) if *u == self.id => None,
                _ => Some(404),
            },
            Check::NodeHand(role) => {
                let ok = self.role == role
                    || self.scope(SALES, "update") == Scope::All
                    || matches!(holder, Holder::User(u) if *u == self.id);
                (!ok).then_some(403)
            }
            Check::Take => {
                let ok = match holder {
                    Holder::Pool(_) | Holder::Project(..) => {
                        self.scope(CRM, "create") != Scope::None
                    }
                    Holder::User(u) => self.reaches(self.scope(CRM, "assign"), Some(*u)),
                };
                (!ok).then_some(403)
            }
        }
    }

    /// Whether `scope` reaches a project of `manager` with `member` (user, observer) for a
    /// read or a change, as the module's doc comment writes the rule down.
    fn reaches_project(
        &self,
        scope: Scope,
        manager: u64,
        member: Option<(u64, bool)>,
        change: bool,
    ) -> bool {
        let me = member.filter(|(u, _)| *u == self.id);
        let observer = me.is_some_and(|(_, o)| o);
        if change && observer && manager != self.id && scope != Scope::All {
            return false;
        }
        let own = manager == self.id || me.is_some();
        match scope {
            Scope::None => false,
            Scope::Own => own,
            Scope::Team => {
                own || self.team.contains(&manager)
                    || member.is_some_and(|(u, o)| !o && self.team.contains(&u))
            }
            Scope::All => true,
        }
    }

    /// Whether the caller reads what `holder` holds in `module`.
    fn may_read(&self, holder: &Holder, module: &'static str) -> bool {
        self.refusal(Check::Visible(module, READ), &Method::GET, holder)
            .is_none()
    }
}

/// What a cell must answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// An operation without a session (health, login, setup): anything but 403 and 5xx.
    Public,
    /// Access: a 2xx for GET, anything but 401/403/404 (and 5xx) for a write.
    Pass,
    Status(u16),
}

fn expect(rule: &Rule, c: &Caller, method: &Method, holder: &Holder) -> Expect {
    if c.anonymous() {
        return Expect::Status(401);
    }
    if rule.2.iter().any(|n| !c.meets(*n, method)) {
        return Expect::Status(403);
    }
    match rule.3.iter().find_map(|k| c.refusal(*k, method, holder)) {
        Some(status) => Expect::Status(status),
        None => Expect::Pass,
    }
}

fn answers(e: Expect, method: &Method, status: StatusCode) -> bool {
    let s = status.as_u16();
    match e {
        Expect::Public => s < 500 && s != 403,
        Expect::Status(want) => s == want,
        Expect::Pass if *method == Method::GET => status.is_success(),
        Expect::Pass => s < 500 && ![401, 403, 404].contains(&s),
    }
}

/// Who owns the records a cell works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Owner {
    Caller,
    Teammate,
    OtherTeam,
    /// Unowned: customers and leads in the public pool.
    Pool,
    /// Customers in a pool only another team sees (leads have no pools: as `Pool`).
    ClosedPool,
    /// The operation's row checks no owner (the owned records it may name are another team's
    /// rep's).
    Nobody,
}

const OWNERS: [Owner; 5] = [
    Owner::Caller,
    Owner::Teammate,
    Owner::OtherTeam,
    Owner::Pool,
    Owner::ClosedPool,
];

/// Who holds a record: a user, or a pool (seen by the teams listed, or by everyone with CRM
/// read when none are).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Holder {
    User(u64),
    Pool(Vec<u64>),
    /// A project: its manager and one member (user, observer or not).
    Project(u64, Option<(u64, bool)>),
}

/// The holder of records nobody owns (users, teams, settings).
const NOBODY: Holder = Holder::User(0);

impl Holder {
    fn user(&self) -> Option<u64> {
        match self {
            Holder::User(u) | Holder::Project(u, _) => Some(*u),
            Holder::Pool(_) => None,
        }
    }
}

// ---- records under test -------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Rec {
    kind: &'static str,
    /// What goes into the path (the id, or a mapping's name).
    key: String,
    id: u64,
    /// Who decides access (for a contact or an opportunity: its customer's holder).
    owner: Holder,
    /// The words of the CRM names this record brought along (its own, its customer's …), each
    /// with the holder whose readers may see it.
    words: Vec<(String, Holder, &'static str)>,
    name: String,
}

impl Rec {
    fn new(kind: &'static str, id: u64, owner: Holder, name: String) -> Rec {
        Rec {
            kind,
            key: id.to_string(),
            id,
            owner,
            words: Vec::new(),
            name,
        }
    }

    /// Marks the words of the record's name (and `also`'s) as CRM data that `seen`'s readers
    /// may read.
    fn crm(self, seen: Holder, also: &[&Rec]) -> Rec {
        self.seen_in(CRM, seen, also)
    }

    /// Marks the words of the record's name and of `also` (its customer, whose name it shows)
    /// as data of `module` that `seen`'s readers of that module may read.
    fn seen_in(mut self, module: &'static str, seen: Holder, also: &[&Rec]) -> Rec {
        for w in self.name.split(' ') {
            self.words.push((w.to_lowercase(), seen.clone(), module));
        }
        for r in also {
            self.words.extend(r.words.iter().cloned());
            if module != CRM {
                self.words.extend(
                    r.words
                        .iter()
                        .map(|(w, _, _)| (w.clone(), seen.clone(), module)),
                );
            }
        }
        self
    }
}

/// A small PNG (an attachment with a thumbnail).
fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([40, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn first_word(name: &str) -> &str {
    name.split(' ').next().unwrap_or("")
}

/// A pronounceable word that no other call of `word` gives (for n < 70^4), so names never
/// look like duplicates of each other and each can be searched for alone.
fn word(n: u64) -> String {
    const C: &[u8] = b"bdfgklmnprstvz";
    const V: &[u8] = b"aeiou";
    let mut x = n.wrapping_mul(7919).wrapping_add(104_729) % 24_010_000;
    let mut s = String::new();
    for i in 0..4 {
        let syllable = (x % 70) as usize;
        x /= 70;
        let c = C[syllable / 5] as char;
        s.push(if i == 0 { c.to_ascii_uppercase() } else { c });
        s.push(V[syllable % 5] as char);
    }
    s
}

enum Payload {
    None,
    Json(Value),
    Raw(Vec<u8>),
}

async fn call(c: &Client, method: Method, url: &str, payload: &Payload) -> (StatusCode, Vec<u8>) {
    let mut req = c
        .http
        .request(method, format!("{}{url}", c.base))
        .header("accept-language", c.lang);
    match payload {
        Payload::None => {}
        Payload::Json(v) => req = req.json(v),
        Payload::Raw(bytes) => {
            req = req
                .header("content-type", "application/octet-stream")
                .body(bytes.clone())
        }
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    // A live stream (server-sent events) never ends by itself: its status is the answer.
    let streams = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if streams {
        return (status, Vec::new());
    }
    (
        status,
        resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
    )
}

/// Records of the caller (and a caller's saved mappings) are the caller's own; the others are
/// shared by all callers until a write goes through. A project of the "pools" (another team's
/// with the caller as a member or an observer) is each caller's own too.
fn set_key(ci: usize, owner: Owner, kind: &str) -> (usize, Owner) {
    let membered = matches!(kind, "project" | "project_task")
        && matches!(owner, Owner::Pool | Owner::ClosedPool);
    match owner {
        Owner::Caller => (ci, owner),
        _ if kind == "mapping" || membered => (ci, owner),
        _ => (usize::MAX, owner),
    }
}

struct World {
    addr: SocketAddr,
    admin: Client,
    admin_id: u64,
    mate: u64,
    other: u64,
    /// A user who owns nothing (handovers that move nothing); a sales rep of no team, who asks
    /// for the transfer requests under test.
    idle: u64,
    idle_client: Client,
    callers: Vec<Caller>,
    /// Team B, whose pool the callers' team does not see.
    team_b: u64,
    /// Pool customers of team B's pool not yet handed out: (id, name).
    closed_stock: Vec<(u64, String)>,
    closed_pool: u64,
    sets: HashMap<(usize, Owner), BTreeMap<&'static str, Rec>>,
    /// First word of each live CRM name → (whose readers may see it, kind).
    /// Each word of a name under test: who may read it, as (holder, kind, module); a caller
    /// who reads any one of them may see the word (a customer's name is on its orders too).
    names: HashMap<String, Vec<(Holder, &'static str, &'static str)>>,
    n: u64,
}

impl World {
    fn name(&mut self) -> String {
        self.n += 2;
        format!("{} {}", word(self.n), word(self.n + 1))
    }

    fn holder(&self, ci: usize, owner: Owner) -> Holder {
        match owner {
            Owner::Caller if !self.callers[ci].anonymous() => Holder::User(self.callers[ci].id),
            Owner::Teammate => Holder::User(self.mate),
            Owner::Pool => Holder::Pool(Vec::new()),
            Owner::ClosedPool => Holder::Pool(vec![self.team_b]),
            _ => Holder::User(self.other),
        }
    }

    /// An admin call that must succeed (building records under test).
    async fn admin(&self, method: Method, url: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.admin.send(method.clone(), url, body).await;
        assert!(
            status.is_success(),
            "fixture {method} {url}: {status} {answer}"
        );
        answer
    }

    /// A customer held by `holder` (a pool: released to it).
    async fn customer(&mut self, kind: &'static str, holder: &Holder) -> Rec {
        let (id, name) = match holder {
            Holder::Pool(teams) if !teams.is_empty() => {
                if self.closed_stock.is_empty() {
                    self.stock_closed_pool().await;
                }
                self.closed_stock.pop().unwrap()
            }
            _ => self.released(holder.user()).await,
        };
        Rec::new(kind, id, holder.clone(), name).crm(holder.clone(), &[])
    }

    /// A new customer of `owner`, or released to the default pool: (id, name).
    async fn released(&mut self, owner: Option<u64>) -> (u64, String) {
        let name = self.name();
        let input = json!({"name": name, "owner_id": owner.unwrap_or(self.admin_id)});
        let c = self
            .admin(Method::POST, "/api/v1/customers", Some(input))
            .await;
        let id = c["id"].as_u64().unwrap();
        if owner.is_none() {
            let url = format!("/api/v1/customers/{id}/release");
            self.admin(Method::POST, &url, Some(json!({}))).await;
        }
        (id, name)
    }

    /// New customers land in the default pool: team B's pool is made the default for a batch
    /// of them, then the default before it again.
    async fn stock_closed_pool(&mut self) {
        async fn make_default(w: &World, id: u64) {
            let pools = w.admin(Method::GET, "/api/v1/pools", None).await;
            let mut pool = pools
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == id)
                .cloned()
                .unwrap();
            let map = pool.as_object_mut().unwrap();
            map.remove("id");
            map.remove("customer_count");
            map.insert("is_default".into(), json!(true));
            w.admin(Method::PUT, &format!("/api/v1/pools/{id}"), Some(pool))
                .await;
        }
        let pools = self.admin(Method::GET, "/api/v1/pools", None).await;
        let default = pools
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["is_default"] == true)
            .and_then(|p| p["id"].as_u64())
            .unwrap();
        make_default(self, self.closed_pool).await;
        for _ in 0..8 {
            let c = self.released(None).await;
            self.closed_stock.push(c);
        }
        make_default(self, default).await;
    }

    /// A supplier held by its portal login; without one (the pools) only scope `all` reaches it,
    /// as a pool no caller's team sees.
    async fn supplier(&mut self, who: &Holder) -> Rec {
        let name = self.name();
        let (portal, who) = match who.user() {
            Some(u) => (Some(u), Holder::User(u)),
            None => (None, Holder::Pool(vec![self.team_b])),
        };
        let input =
            json!({"name": name, "country": "CN", "currency": "CNY", "portal_user_id": portal});
        let v = self
            .admin(Method::POST, "/api/v1/suppliers", Some(input))
            .await;
        let id = v["id"].as_u64().unwrap();
        Rec::new("supplier", id, who.clone(), name).seen_in(PURCHASING, who, &[])
    }

    async fn create(&mut self, kind: &'static str, ci: usize, owner: Owner) -> Rec {
        let who = self.holder(ci, owner);
        let name = self.name();
        let id = |v: &Value| v["id"].as_u64().unwrap();
        match kind {
            "customer" | "twin" | "trash" => {
                let c = self.customer(kind, &who).await;
                if kind == "trash" {
                    let url = format!("/api/v1/customers/{}", c.id);
                    self.admin(Method::DELETE, &url, None).await;
                }
                c
            }
            "contact" => {
                let c = self.customer("customer", &who).await;
                let url = format!("/api/v1/customers/{}/contacts", c.id);
                let v = self
                    .admin(Method::POST, &url, Some(json!({"name": name})))
                    .await;
                Rec::new(kind, id(&v), who.clone(), name).crm(who, &[&c])
            }
            "task" => {
                // A follow-up date on a timeline entry makes a task for the customer's owner
                // (for a pool customer: the entry's author, the admin). Its title is the
                // entry's subject, which the customer's readers see on the timeline.
                let c = self.customer("customer", &who).await;
                let url = format!("/api/v1/customers/{}/timeline", c.id);
                let entry = json!({"kind": "call", "subject": name, "follow_up_on": "2031-01-01"});
                self.admin(Method::POST, &url, Some(entry)).await;
                let log = self
                    .admin(Method::GET, "/api/v1/audit?kind=task&per_page=20", None)
                    .await;
                let task = log["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["title"] == name.as_str() && e["action"] == "create")
                    .unwrap_or_else(|| panic!("no task for {name}: {log}"));
                let tid = task["record_id"].as_u64().unwrap();
                let owner = Holder::User(who.user().unwrap_or(self.admin_id));
                Rec::new(kind, tid, owner, name).crm(who, &[&c])
            }
            "lead" => {
                let input = json!({"company": name, "to_pool": true});
                let v = self.admin(Method::POST, "/api/v1/leads", Some(input)).await;
                let lead = id(&v);
                // Leads have no pools of their own: a pool lead is open to every CRM reader.
                let who = match who.user() {
                    Some(user) => {
                        let url = format!("/api/v1/leads/{lead}/assign");
                        self.admin(Method::POST, &url, Some(json!({"user_id": user})))
                            .await;
                        who
                    }
                    None => Holder::Pool(Vec::new()),
                };
                Rec::new(kind, lead, who.clone(), name).crm(who, &[])
            }
            "activity" | "attachment" => {
                // A timeline entry of the customer; an attachment is a picture on the customer
                // (a picture, so that its thumbnail is there to read too).
                let c = self.customer("customer", &who).await;
                if kind == "activity" {
                    let url = format!("/api/v1/customers/{}/timeline", c.id);
                    let entry = json!({"kind": "note", "subject": name});
                    let v = self.admin(Method::POST, &url, Some(entry)).await;
                    return Rec::new(kind, id(&v), who.clone(), name).crm(who, &[&c]);
                }
                let url = format!("/api/v1/customers/{}/attachments", c.id);
                let (status, v) = self.admin.upload(&url, "photo.png", &tiny_png()).await;
                assert_eq!(status, StatusCode::CREATED, "fixture upload: {v}");
                Rec::new(kind, id(&v), who.clone(), name).crm(who, &[&c])
            }
            "opportunity" => {
                let c = self.customer("customer", &who).await;
                let input = json!({"customer_id": c.id, "title": name});
                let v = self
                    .admin(Method::POST, "/api/v1/opportunities", Some(input))
                    .await;
                Rec::new(kind, id(&v), who.clone(), name).crm(who, &[&c])
            }
            "merge" => {
                let a = self.customer("customer", &who).await;
                let b = self.customer("customer", &who).await;
                let input = json!({"survivor_id": a.id, "merged_ids": [b.id]});
                let v = self
                    .admin(Method::POST, "/api/v1/customers/merge", Some(input))
                    .await;
                let merge = v["merge_id"].as_u64().unwrap();
                Rec::new(kind, merge, who.clone(), a.name.clone()).crm(who, &[&b])
            }
            "notification" => {
                // Giving a customer to someone tells them; for a pool, `other` is told.
                let to = who.user().unwrap_or(self.other);
                let (cid, _) = self.released(Some(self.admin_id)).await;
                let url = format!("/api/v1/customers/{cid}/transfer");
                self.admin(Method::POST, &url, Some(json!({"to_user": to})))
                    .await;
                let log = self
                    .admin(
                        Method::GET,
                        "/api/v1/audit?kind=notification&per_page=20",
                        None,
                    )
                    .await;
                let title = format!("→ #{to}");
                let n = log["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["title"] == title.as_str() && e["action"] == "create")
                    .unwrap_or_else(|| panic!("no notification for {to}: {log}"));
                let nid = n["record_id"].as_u64().unwrap();
                Rec::new(kind, nid, Holder::User(to), name)
            }
            "transfer" => {
                // A pending request by the idle rep (by the reference its duplicate check gives)
                // for a customer of the cell's owner; for a pool, asked while `other` owned it,
                // then released to the pool.
                let (cid, name) = match &who {
                    Holder::User(u) | Holder::Project(u, _) => self.released(Some(*u)).await,
                    Holder::Pool(teams) => {
                        let (cid, name) = if teams.is_empty() {
                            self.released(Some(self.other)).await
                        } else {
                            if self.closed_stock.is_empty() {
                                self.stock_closed_pool().await;
                            }
                            let (cid, name) = self.closed_stock.pop().unwrap();
                            let url = format!("/api/v1/customers/{cid}/transfer");
                            let to = json!({"to_user": self.other});
                            self.admin(Method::POST, &url, Some(to)).await;
                            (cid, name)
                        };
                        (cid, name)
                    }
                };
                let url = format!("/api/v1/duplicates/check?name={}", name.replace(' ', "%20"));
                let check = self.idle_client.get(&url).await;
                let prefix = format!("{cid}.");
                let reference = check["candidates"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["transfer_ref"].as_str())
                    .find(|r| r.starts_with(&prefix))
                    .unwrap_or_else(|| panic!("fixture transfer: no reference for {name}: {check}"))
                    .to_string();
                let input = json!({"transfer_ref": reference});
                let (status, v) = self
                    .idle_client
                    .send(Method::POST, "/api/v1/transfer-requests", Some(input))
                    .await;
                assert!(
                    status.is_success(),
                    "fixture transfer request: {status} {v}"
                );
                if let Holder::Pool(teams) = &who {
                    let url = format!("/api/v1/customers/{cid}/release");
                    self.admin(Method::POST, &url, Some(json!({}))).await;
                    let c = self
                        .admin(Method::GET, &format!("/api/v1/customers/{cid}"), None)
                        .await;
                    assert!(c["owner"].is_null(), "fixture transfer: not released {c}");
                    if !teams.is_empty() {
                        let pool = c["pool"]["id"].as_u64().or(c["pool_id"].as_u64());
                        assert_eq!(pool, Some(self.closed_pool), "fixture transfer: {c}");
                    }
                }
                Rec::new(kind, id(&v), who.clone(), name).crm(who, &[])
            }
            "pool" | "team" | "role" => {
                let url = format!("/api/v1/{}s", kind);
                let v = self
                    .admin(Method::POST, &url, Some(json!({"name": name})))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "product" => {
                let sku = format!("M-{}", self.names.len());
                let product = json!({"sku": sku, "name_en": name,
                    "cost": {"amount": "9.50", "currency": "CNY"},
                    "supplier_prices": [{"supplier": "Matrix Works", "price": {"amount": "9.50", "currency": "CNY"}}]});
                let v = self
                    .admin(Method::POST, "/api/v1/products", Some(product))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "quotation" => {
                let c = self.customer("customer", &who).await;
                let input = json!({"customer_id": c.id, "currency": "USD",
                    "lines": [{"description": name, "quantity": "2", "unit_price": "10"}]});
                let v = self
                    .admin(Method::POST, "/api/v1/quotations", Some(input))
                    .await;
                Rec::new(kind, id(&v), who.clone(), name).seen_in(SALES, who, &[&c])
            }
            "order" => {
                let c = self.customer("customer", &who).await;
                let input = json!({"customer_id": c.id, "currency": "CNY",
                    "lines": [{"description": name, "quantity": "2", "unit_price": "10"}],
                    "terms": [{"label_zh": "全款", "label_en": "Full", "percent": "100",
                        "method": "tt", "anchor": "order_date", "days": 0}]});
                let v = self
                    .admin(Method::POST, "/api/v1/orders", Some(input))
                    .await;
                Rec::new(kind, id(&v), who.clone(), name).seen_in(SALES, who, &[&c])
            }
            "receipt" => {
                let c = self.customer("customer", &who).await;
                let input = json!({"customer_id": c.id, "payer": name,
                    "amount": {"amount": "100.00", "currency": "CNY"}, "date": "2026-01-05"});
                let v = self
                    .admin(Method::POST, "/api/v1/receipts", Some(input))
                    .await;
                Rec::new(kind, id(&v), who.clone(), name).seen_in(FINANCE, who, &[&c])
            }
            "exchange_rate" => {
                // One date per fixture: a rate is unique per currency and day.
                let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                    + chrono::Duration::days(self.names.len() as i64);
                let input = json!({"currency": "USD", "date": day, "rate": "7.1", "source": name});
                let v = self
                    .admin(Method::POST, "/api/v1/exchange-rates", Some(input))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "payment_terms" => {
                let input = json!({"name_zh": name, "name_en": name,
                    "parts": [{"label_zh": "全款", "label_en": "Full", "percent": "100",
                        "method": "tt", "anchor": "order_date", "days": 0}]});
                let v = self
                    .admin(Method::POST, "/api/v1/payment-terms", Some(input))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "order_node_template" => {
                let input = json!({"name_zh": name, "name_en": name, "nodes": [{"key": "a",
                    "name_zh": "节点", "name_en": "Node", "role": "sales", "anchor": "order_date",
                    "offset_days": 0, "event": null}]});
                let v = self
                    .admin(Method::POST, "/api/v1/order-node-templates", Some(input))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            // A node of the cell's order (its path names the order first): `feedback`, the
            // sales role's node in the default template.
            "order_node" => {
                let mut r = Rec::new(kind, 0, who.clone(), String::new());
                r.key = "feedback".into();
                r
            }
            "supplier" => self.supplier(&who).await,
            "purchase_order" => {
                // A confirmed order of a new supplier of the holder, for a new product.
                let supplier = self.supplier(&who).await;
                let sku = format!("PO-{}", self.n);
                let product = json!({"sku": sku, "name_en": sku});
                let p = self
                    .admin(Method::POST, "/api/v1/products", Some(product))
                    .await;
                let input = json!({"supplier_id": supplier.id, "status": "confirmed",
                    "lines": [{"product_id": id(&p), "quantity": "5", "unit_price": "3.20", "description": name}]});
                let v = self
                    .admin(Method::POST, "/api/v1/purchase-orders", Some(input))
                    .await;
                let who = supplier.owner.clone();
                Rec::new(kind, id(&v), who.clone(), name).seen_in(PURCHASING, who, &[&supplier])
            }
            "warehouse" => {
                let code = format!("W{}", self.n);
                let input = json!({"code": code, "name": name, "location": "overseas"});
                let v = self
                    .admin(Method::POST, "/api/v1/warehouses", Some(input))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "reorder_rule" => {
                // A rule of a new product in a new warehouse (the buyers': scope `all`).
                let input =
                    json!({"code": format!("R{}", self.n), "name": name, "location": "overseas"});
                let w = id(&self
                    .admin(Method::POST, "/api/v1/warehouses", Some(input))
                    .await);
                let sku = format!("RR-{}", self.n);
                let p = self
                    .admin(
                        Method::POST,
                        "/api/v1/products",
                        Some(json!({"sku": sku, "name_en": sku})),
                    )
                    .await;
                let input = json!({"product_id": id(&p), "warehouse_id": w, "min": "10"});
                let v = self
                    .admin(Method::POST, "/api/v1/reorder-rules", Some(input))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "supplier_invoice" => {
                // An invoice of a confirmed order of a new supplier (finance's: scope `all`).
                let input = json!({"name": name, "country": "CN", "currency": "CNY"});
                let s = id(&self
                    .admin(Method::POST, "/api/v1/suppliers", Some(input))
                    .await);
                let sku = format!("SI-{}", self.n);
                let p = self
                    .admin(
                        Method::POST,
                        "/api/v1/products",
                        Some(json!({"sku": sku, "name_en": sku})),
                    )
                    .await;
                let input = json!({"supplier_id": s, "status": "confirmed",
                    "lines": [{"product_id": id(&p), "quantity": "5", "unit_price": "3.20"}]});
                let po = id(&self
                    .admin(Method::POST, "/api/v1/purchase-orders", Some(input))
                    .await);
                let input = json!({"number": format!("SI-{}", self.n), "supplier_id": s, "po_ids": [po],
                    "amount": {"amount": "16.00", "currency": "CNY"}, "invoice_date": "2026-03-01", "due_date": "2026-04-01"});
                let v = self
                    .admin(Method::POST, "/api/v1/supplier-invoices", Some(input))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "stock_transfer" => {
                // Goods received into one warehouse and sent on to another.
                let mut wh = Vec::new();
                for i in 0..2 {
                    let input = json!({"code": format!("T{}{i}", self.n), "name": name, "location": "overseas"});
                    wh.push(id(&self
                        .admin(Method::POST, "/api/v1/warehouses", Some(input))
                        .await));
                }
                let sku = format!("TR-{}", self.n);
                let p = self
                    .admin(
                        Method::POST,
                        "/api/v1/products",
                        Some(json!({"sku": sku, "name_en": sku})),
                    )
                    .await;
                let receipt = json!({"type": "receipt", "product_id": id(&p), "warehouse_id": wh[0], "quantity": "10"});
                self.admin(Method::POST, "/api/v1/stock-moves", Some(receipt))
                    .await;
                let input = json!({"from_warehouse_id": wh[0], "to_warehouse_id": wh[1], "note": name,
                    "lines": [{"product_id": id(&p), "quantity": "4"}]});
                let v = self
                    .admin(Method::POST, "/api/v1/stock-transfers", Some(input))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "shipment" => {
                // A planned shipment of an order of the holder, from a warehouse of its own.
                let c = self.customer("customer", &who).await;
                let input =
                    json!({"code": format!("S{}", self.n), "name": "Dock", "location": "domestic"});
                let wh = id(&self
                    .admin(Method::POST, "/api/v1/warehouses", Some(input))
                    .await);
                let input = json!({"customer_id": c.id, "currency": "CNY",
                    "lines": [{"description": "Goods", "quantity": "2", "unit_price": "10"}],
                    "terms": [{"label_zh": "全款", "label_en": "Full", "percent": "100",
                        "method": "tt", "anchor": "order_date", "days": 0}]});
                let o = self
                    .admin(Method::POST, "/api/v1/orders", Some(input))
                    .await;
                let input = json!({"order_id": id(&o), "warehouse_id": wh, "note": name});
                let v = self
                    .admin(Method::POST, "/api/v1/shipments", Some(input))
                    .await;
                // Its order (and customer) shows in sales lists too.
                Rec::new(kind, id(&v), who.clone(), name)
                    .seen_in(LOGISTICS, who.clone(), &[&c])
                    .seen_in(SALES, who, &[&c])
            }
            "cadence_rule" => {
                let rule = json!({"name": name, "trigger": "new_customer", "days": 3,
                    "task_title": name, "active": false});
                let v = self
                    .admin(Method::POST, "/api/v1/cadence-rules", Some(rule))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "user" => {
                let username = name.replace(' ', ".").to_lowercase();
                let user = json!({"username": username, "display_name": name,
                    "password": PASSWORD, "role_ids": [], "team_ids": []});
                let v = self.admin(Method::POST, "/api/v1/users", Some(user)).await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "handover" => {
                let input = json!({"from_user": self.idle, "to_user": self.admin_id});
                let v = self
                    .admin(Method::POST, "/api/v1/handover", Some(input))
                    .await;
                Rec::new(kind, v["id"].as_u64().unwrap(), NOBODY, name)
            }
            "import" => {
                let file = format!("Company\r\n{name}\r\n").into_bytes();
                let url = "/api/v1/imports?filename=matrix.csv";
                let (status, body) =
                    call(&self.admin, Method::POST, url, &Payload::Raw(file)).await;
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                assert_eq!(status, StatusCode::CREATED, "fixture import: {v}");
                Rec::new(kind, id(&v), NOBODY, name)
            }
            "mapping" => {
                // A saved mapping is the caller's own; callers who may not import get 403 here
                // and in the cell.
                let input = json!({"name": name, "columns": {}});
                let c = &self.callers[ci].client;
                c.send(Method::POST, "/api/v1/import-mappings", Some(input))
                    .await;
                Rec {
                    key: name.clone(),
                    ..Rec::new(kind, 0, NOBODY, name)
                }
            }
            "project" | "project_task" => {
                // Owners as for customers; the pools stand for another team's project with the
                // caller as a working member (`Pool`) or an observer (`ClosedPool`).
                let me = self.callers[ci].id;
                let (manager, member) = match owner {
                    Owner::Pool => (self.other, Some((me, false))),
                    Owner::ClosedPool => (self.other, Some((me, true))),
                    _ => (who.user().unwrap_or(self.other), None),
                };
                let members: Vec<Value> = member
                    .iter()
                    .map(|(u, o)| json!({"user_id": u, "observer": o}))
                    .collect();
                let holder = Holder::Project(manager, member);
                let project_name = if kind == "project" {
                    name.clone()
                } else {
                    self.name()
                };
                let input = json!({"name": project_name, "manager_id": manager, "members": members,
                    "start": "2031-01-01"});
                let v = self
                    .admin(Method::POST, "/api/v1/projects", Some(input))
                    .await;
                let project = Rec::new("project", id(&v), holder.clone(), project_name).seen_in(
                    PROJECTS,
                    holder.clone(),
                    &[],
                );
                if kind == "project" {
                    return project;
                }
                let url = format!("/api/v1/projects/{}/tasks", project.id);
                let input = json!({"title": name, "start": "2031-01-02", "due": "2031-01-03"});
                let v = self.admin(Method::POST, &url, Some(input)).await;
                Rec::new(kind, id(&v), holder.clone(), name).seen_in(PROJECTS, holder, &[&project])
            }
            "project_template" => {
                let input = json!({"name_zh": name, "name_en": name, "anchor": "start",
                    "move_dependents": true, "children_within_parent": true, "preset": null,
                    "description_zh": null, "description_en": null, "source_project_id": null,
                    "items": [{"key": "a", "parent": null, "title_zh": name, "title_en": name,
                        "offset_days": 0, "duration_days": 2, "estimate_hours": "4",
                        "priority": "normal", "tags": [], "depends_on": []}]});
                let v = self
                    .admin(Method::POST, "/api/v1/project-templates", Some(input))
                    .await;
                Rec::new(kind, id(&v), NOBODY, name)
            }
            other => panic!("no fixture for {other}: add one to World::create"),
        }
    }

    async fn get(&mut self, kind: &'static str, ci: usize, owner: Owner) -> Rec {
        let key = set_key(ci, owner, kind);
        if let Some(r) = self.sets.get(&key).and_then(|s| s.get(kind)) {
            return r.clone();
        }
        let r = self.create(kind, ci, owner).await;
        for (w, seen, module) in &r.words {
            self.names
                .entry(w.clone())
                .or_default()
                .push((seen.clone(), r.kind, module));
        }
        self.sets.entry(key).or_default().insert(kind, r.clone());
        r
    }

    /// Forgets a record a write went through: the next cell gets a new one.
    fn discard(&mut self, ci: usize, owner: Owner, kind: &str) {
        let key = set_key(ci, owner, kind);
        if let Some(r) = self.sets.get_mut(&key).and_then(|s| s.remove(kind)) {
            for (w, _, _) in &r.words {
                self.names.remove(w);
            }
        }
    }

    /// The words of names of records under test in an answer that the caller may not read
    /// (words the caller sent are theirs already).
    fn leaks(&self, ci: usize, answer: &[u8], sent: &str) -> Vec<String> {
        let c = &self.callers[ci];
        let words = |t: &str| -> Vec<String> {
            t.split(|ch: char| !ch.is_ascii_alphabetic())
                .map(str::to_lowercase)
                .collect()
        };
        let sent = words(sent);
        let mut out: Vec<String> = words(&String::from_utf8_lossy(answer))
            .into_iter()
            .filter(|w| !sent.contains(w))
            .filter_map(|w| self.names.get(&w).map(|ways| (w, ways)))
            .filter(|(_, ways)| {
                !ways
                    .iter()
                    .any(|(seen, _, module)| c.may_read(seen, module))
            })
            .map(|(w, ways)| format!("{} {w} ({:?})", ways[0].1, ways[0].0))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The path with its parameters filled from the cell's records, and the records it names.
    async fn fill(
        &mut self,
        path: &str,
        ci: usize,
        owner: Owner,
    ) -> Result<(String, Vec<Rec>), String> {
        let parts: Vec<&str> = path.split('/').collect();
        let (mut out, mut named) = (Vec::new(), Vec::new());
        for (i, part) in parts.iter().enumerate() {
            if !part.starts_with('{') {
                out.push(part.to_string());
            } else if *part == "{kind}" {
                out.push("customer".to_string());
            } else if *part == "{provider}" {
                // The tracking webhook: a provider, not a record.
                out.push("aftership".to_string());
            } else {
                let segment = parts[..i]
                    .iter()
                    .rev()
                    .find(|p| !p.starts_with('{'))
                    .copied()
                    .unwrap_or("");
                let Some(&(_, kind)) = RECORDS.iter().find(|r| r.0 == segment) else {
                    return Err(format!(
                        "no records for {part} under /{segment}/: add them to RECORDS and World::create"
                    ));
                };
                let r = self.get(kind, ci, owner).await;
                out.push(r.key.clone());
                named.push(r);
            }
        }
        Ok((out.join("/"), named))
    }

    /// Replaces record references in a sampled body; answers the records named.
    async fn resolve(&mut self, v: &mut Value, ci: usize, owner: Owner) -> Vec<Rec> {
        let mut kinds = Vec::new();
        placeholders(v, &mut kinds);
        let mut named = Vec::new();
        let mut ids = HashMap::new();
        let me = self.callers[ci].id;
        for kind in kinds {
            let value = match kind {
                "me" => json!(me.max(1)),
                // `owner_id`: the cell's owner; for the pool, none, which means the caller.
                "owner" => {
                    let who = self.holder(ci, owner).user();
                    let holder = Holder::User(who.unwrap_or(me));
                    named.push(Rec::new(kind, 0, holder, String::new()));
                    json!(who)
                }
                _ => {
                    let r = self.get(kind, ci, owner).await;
                    let id = json!(r.id);
                    named.push(r);
                    id
                }
            };
            ids.insert(kind, value);
        }
        replace(v, &ids);
        named
    }
}

fn placeholders(v: &Value, out: &mut Vec<&'static str>) {
    match v {
        Value::String(s) => {
            if let Some(&(_, kind)) = s
                .strip_prefix('\u{1}')
                .and_then(|k| REFS.iter().find(|r| r.1 == k))
            {
                out.push(kind);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| placeholders(x, out)),
        Value::Object(map) => map.values().for_each(|x| placeholders(x, out)),
        _ => {}
    }
}

fn replace(v: &mut Value, values: &HashMap<&str, Value>) {
    match v {
        Value::String(s) => {
            if let Some(x) = s.strip_prefix('\u{1}').and_then(|k| values.get(k)) {
                *v = x.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| replace(x, values)),
        Value::Object(map) => map.values_mut().for_each(|x| replace(x, values)),
        _ => {}
    }
}

/// A value the schema accepts: required properties (plus `version` and record references)
/// filled with plain values; strings are fresh words, so names never collide.
fn sample(doc: &Value, schema: &Value, n: &mut u64) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or("");
        return sample(doc, &doc["components"]["schemas"][name], n);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = schema[key].as_array() {
            let alt = alts
                .iter()
                .find(|a| a["type"] != "null")
                .unwrap_or(&Value::Null);
            return sample(doc, alt, n);
        }
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .find(|t| *t != "null")
            .and_then(|t| t.as_str())
            .unwrap_or("null"),
        t => t.as_str().unwrap_or("object"),
    };
    match ty {
        "object" => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            let mut out = serde_json::Map::new();
            for (prop, s) in schema["properties"].as_object().into_iter().flatten() {
                let reference = REFS.iter().find(|r| r.0 == prop);
                let value = if prop == "version" {
                    json!(1)
                } else if let Some((_, kind)) = reference {
                    let id = json!(format!("\u{1}{kind}"));
                    if s["type"] == "array" {
                        json!([id])
                    } else {
                        id
                    }
                } else if required.contains(&prop.as_str()) {
                    sample(doc, s, n)
                } else {
                    continue;
                };
                out.insert(prop.clone(), value);
            }
            Value::Object(out)
        }
        "array" => json!([]),
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        // A decimal amount or rate the document gives an example of ("1234.50").
        "string" if schema["example"].is_string() => schema["example"].clone(),
        "string" => match schema["format"].as_str() {
            Some("date") => json!("2031-01-01"),
            Some("date-time") => json!("2031-01-01T08:00:00Z"),
            _ => {
                *n += 1;
                json!(format!("{} {}", word(1_000_000 + *n), word(2_000_000 + *n)))
            }
        },
        _ => Value::Null,
    }
}

/// Whether a key names a field of a hidden class (`cost`, `unit_cost`, `cost_price` …).
fn hidden_key(key: &str, hidden: &[String]) -> bool {
    hidden
        .iter()
        .any(|h| key == h || key.starts_with(&format!("{h}_")) || key.ends_with(&format!("_{h}")))
}

fn hidden_keys(v: &Value, hidden: &[String], found: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if hidden_key(k, hidden) {
                    found.push(k.clone());
                }
                hidden_keys(x, hidden, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| hidden_keys(x, hidden, found)),
        _ => {}
    }
}

struct Op {
    method: Method,
    path: String,
    public: bool,
    rule: Option<&'static Rule>,
    /// A body field set to `true` in this cell (a row of [`FIELD_POLICY`]).
    field: Option<&'static str>,
    /// The JSON schema of the request body, if it takes JSON.
    body: Option<Value>,
    raw_body: bool,
    query: String,
}

fn operations(doc: &Value, failures: &mut Vec<String>) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .all(|x| x.as_object().is_some_and(|o| o.is_empty()))
            });
            let rule = rule_for(&method, path);
            if rule.is_none() && !public {
                failures.push(format!(
                    "{method} {path}: no row of POLICY covers it; add it to the table"
                ));
            }
            let content = &op["requestBody"]["content"];
            let json_schema = &content["application/json"]["schema"];
            let body = (!json_schema.is_null()).then(|| json_schema.clone());
            let raw_body = body.is_none() && content.is_object();
            // Required parameters get a word; lists are asked for everything the caller
            // might reach, on one page.
            let query: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| match p["name"].as_str().unwrap() {
                    "scope" => Some("scope=all".to_string()),
                    name if QUERY_IDS.iter().any(|r| r.0 == name) => {
                        let kind = QUERY_IDS.iter().find(|r| r.0 == name).unwrap().1;
                        Some(format!("{name}={{id:{kind}}}"))
                    }
                    "per_page" => Some("per_page=200".to_string()),
                    name if p["required"] == true => Some(format!("{name}=matrix")),
                    name => QUERY_REFS
                        .iter()
                        .find(|r| r.0 == name)
                        .map(|r| format!("{name}={{{}}}", r.1)),
                })
                .collect();
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{}", query.join("&"))
            };
            for (field, rule) in FIELD_POLICY {
                let (methods, paths, _, _) = rule;
                let rel = path.strip_prefix("/api/v1").unwrap_or(path);
                if methods.split('|').any(|m| m == method.as_str())
                    && paths.split('|').any(|p| pattern_matches(p, rel))
                {
                    if body.is_none() {
                        failures.push(format!(
                            "{method} {path}: FIELD_POLICY sets {field}, but it takes no JSON body"
                        ));
                    }
                    ops.push(Op {
                        method: method.clone(),
                        path: path.clone(),
                        public,
                        rule: Some(rule),
                        field: Some(field),
                        body: body.clone(),
                        raw_body,
                        query: query.clone(),
                    });
                }
            }
            ops.push(Op {
                method,
                path: path.clone(),
                public,
                rule,
                field: None,
                body,
                raw_body,
                query,
            });
        }
    }
    for (field, rule) in FIELD_POLICY {
        if !ops
            .iter()
            .any(|op| op.rule.is_some_and(|r| std::ptr::eq(r, rule)))
        {
            failures.push(format!(
                "FIELD_POLICY {field} on {} {}: no operation matches",
                rule.0, rule.1
            ));
        }
    }
    // Reads first, deletes last: fewer records to build again after a write.
    let rank = |m: &Method| match *m {
        Method::GET => 0,
        Method::DELETE => 2,
        _ => 1,
    };
    ops.sort_by(|a, b| (rank(&a.method), &a.path).cmp(&(rank(&b.method), &b.path)));
    ops
}

async fn setup() -> (TestServer, World) {
    let (s, admin) = TestServer::with_admin().await;
    let admin_id = admin.get("/api/v1/me").await["id"].as_u64().unwrap();
    let team = |name: &str| {
        let admin = admin.clone();
        let name = name.to_string();
        async move {
            let (_, t) = admin
                .send(Method::POST, "/api/v1/teams", Some(json!({"name": name})))
                .await;
            t["id"].as_u64().unwrap()
        }
    };
    let (a, b) = (team("Team A").await, team("Team B").await);
    let (mate, _) = s.user(&admin, "team.mate", "sales", &[a]).await;
    let (other, _) = s.user(&admin, "other.rep", "sales", &[b]).await;
    let (idle, idle_client) = s.user(&admin, "idle.rep", "sales", &[]).await;

    // One custom role beside the presets: reads its team, changes only its own records,
    // exports its team's customers, locks its own, deletes its team's, and sees no hidden
    // field class. No preset reads wider
    // than it changes, so this role is the one to meet "seen but not changeable" (403).
    let (status, role) = admin
        .send(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "Matrix rep", "grants": {
                "crm": {"read": "team", "create": "own", "update": "own", "export": "team", "assign": "team",
                    "lock": "own", "delete_customer": "team"},
                "users": {"read": "all"}},
                "hidden_fields": ["cost", "profit", "supplier_price"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let (status, user) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(
                json!({"username": "m.custom", "display_name": "m.custom", "password": PASSWORD,
                "role_ids": [role["id"]], "team_ids": [a]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let custom = s.client();
    custom.login("m.custom", PASSWORD).await;

    let mut logged_in = Vec::new();
    for role in ROLES {
        let (_, client) = s.user(&admin, &format!("m.{role}"), role, &[a]).await;
        logged_in.push((role.to_string(), client));
    }
    logged_in.push(("custom".to_string(), custom));
    let mut callers = vec![Caller {
        role: "anonymous".into(),
        id: 0,
        username: String::new(),
        client: s.client(),
        grants: Value::Null,
        hidden: Vec::new(),
        is_admin: false,
        team: Vec::new(),
        teams: Vec::new(),
    }];
    for (role, client) in logged_in {
        let me = client.get("/api/v1/me").await;
        let hidden = me["permissions"]["hidden_fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_string())
            .collect();
        callers.push(Caller {
            role,
            id: me["id"].as_u64().unwrap(),
            username: me["username"].as_str().unwrap().to_string(),
            client,
            grants: me["permissions"]["grants"].clone(),
            hidden,
            is_admin: me["is_admin"] == true,
            team: vec![mate],
            teams: me["teams"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|t| t["id"].as_u64())
                .collect(),
        });
    }
    let team_a: Vec<u64> = callers[1..].iter().map(|c| c.id).chain([mate]).collect();
    for c in &mut callers[1..] {
        c.team = team_a.clone();
    }
    let mut world = World {
        addr: s.addr,
        admin,
        admin_id,
        mate,
        other,
        idle,
        idle_client,
        callers,
        team_b: b,
        closed_stock: Vec::new(),
        closed_pool: 0,
        sets: HashMap::new(),
        names: HashMap::new(),
        n: 0,
    };
    // Team B's own pool: its name is CRM data only team B (and scope `all`) may see.
    let name = world.name();
    let pool = world
        .admin(
            Method::POST,
            "/api/v1/pools",
            Some(json!({"name": name, "team_ids": [b]})),
        )
        .await;
    world.closed_pool = pool["id"].as_u64().unwrap();
    for w in name.split(' ') {
        let closed = (Holder::Pool(vec![b]), "pool", CRM);
        world.names.insert(w.to_lowercase(), vec![closed]);
    }
    (s, world)
}

#[derive(Default)]
struct Report {
    cells: usize,
    failures: Vec<String>,
    tally: BTreeMap<(String, u16), usize>,
    /// `KONTOR_MATRIX_DUMP=<file>`: every cell with its expectation, to read the matrix.
    dump: Option<std::fs::File>,
}

/// Runs one cell: the operation by caller `ci` on records of `owner`.
async fn cell(w: &mut World, doc: &Value, op: &Op, ci: usize, owner: Owner, r: &mut Report) {
    r.cells += 1;
    let (url, mut named) = match w.fill(&op.path, ci, owner).await {
        Ok(x) => x,
        Err(e) => {
            r.failures.push(format!("{} {}: {e}", op.method, op.path));
            return;
        }
    };
    let in_path = named.len();
    let mut query = op.query.clone();
    for (_, kind) in QUERY_REFS {
        let marker = format!("{{{kind}}}");
        if query.contains(&marker) {
            let r = w.get(kind, ci, owner).await;
            query = query.replace(&marker, first_word(&r.name));
            named.push(r);
        }
    }
    for (_, kind) in QUERY_IDS {
        let marker = format!("{{id:{kind}}}");
        if query.contains(&marker) {
            let r = w.get(kind, ci, owner).await;
            query = query.replace(&marker, &r.id.to_string());
            named.push(r);
        }
    }
    let url = format!("{url}{query}");
    let payload = match (&op.body, op.raw_body) {
        (Some(schema), _) => {
            let mut body = sample(doc, schema, &mut w.n);
            if let (Some(field), Some(map)) = (op.field, body.as_object_mut()) {
                map.insert(field.to_string(), json!(true));
            }
            named.extend(w.resolve(&mut body, ci, owner).await);
            Payload::Json(body)
        }
        (None, true) => Payload::Raw(format!("Company\r\n{}\r\n", w.name()).into()),
        (None, false) => Payload::None,
    };
    // The record the operation is about: the last in the path, else the first in the body.
    let subject = match in_path {
        0 => named.first(),
        n => named.get(n - 1),
    };
    let c = &w.callers[ci];
    // Logging out ends a session: use a second one of the same user.
    let client = if op.path.ends_with("/auth/logout") && !c.anonymous() {
        let extra = Client::new(w.addr);
        extra.login(&c.username, PASSWORD).await;
        extra
    } else {
        c.client.clone()
    };
    let (status, bytes) = call(&client, op.method.clone(), &url, &payload).await;
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let role = c.role.as_str();
    *r.tally
        .entry((role.to_string(), status.as_u16()))
        .or_default() += 1;
    let with = op
        .field
        .map(|f| format!(" {{{f}: true}}"))
        .unwrap_or_default();
    let cell = format!(
        "{role:>12} {:<9} {:<6} {url}{with}: {status}",
        format!("{owner:?}"),
        op.method
    );
    let checks = op.rule.is_some_and(|rule| !rule.3.is_empty());
    if checks && subject.is_none() {
        r.failures.push(format!(
            "{cell} (its POLICY row checks a record, but the operation names none)"
        ));
    }
    let e = match op.rule {
        _ if op.public => Some(Expect::Public),
        Some(rule) => {
            let holder = subject.map_or(&NOBODY, |s| &s.owner);
            Some(expect(rule, c, &op.method, holder))
        }
        None => None,
    };
    if let Some(e) = e
        && !answers(e, &op.method, status)
    {
        r.failures.push(format!("{cell}, expected {e:?} {answer}"));
    }
    if let (Some(dump), Some(e)) = (r.dump.as_mut(), e) {
        use std::io::Write;
        let _ = writeln!(dump, "{cell}  expected {e:?}");
    }

    // Anchors that do not depend on the table.
    if status.is_server_error() {
        r.failures.push(format!("{cell} (5xx) {answer}"));
    }
    let write = op.method != Method::GET;
    // Their own profile, session and inbox (marking their notifications read).
    let own_profile = url.starts_with("/api/v1/me")
        || url.starts_with("/api/v1/auth/")
        || url.starts_with("/api/v1/notifications")
        // Reacting to a task they read is the one project write an observer may make (PRJ-5).
        || url.ends_with("/reactions");
    if role == "observer" && write && status.is_success() && !own_profile {
        r.failures.push(format!("{cell} (observer wrote)"));
    }
    let crm_or_users = [
        "/customers",
        "/contacts",
        "/leads",
        "/opportunities",
        "/pool",
        "/my-day",
        "/handover",
        "/cadence-rules",
        "/users",
        "/teams",
    ]
    .iter()
    .any(|p| url.contains(p));
    if role == "supplier" && crm_or_users && status.is_success() {
        r.failures
            .push(format!("{cell} (supplier reached CRM or user data)"));
    }
    let record = ["/customers/", "/contacts/", "/leads/"]
        .iter()
        .any(|p| url.contains(p));
    if role == "sales" && owner == Owner::OtherTeam && !write && record && status.is_success() {
        r.failures
            .push(format!("{cell} (a rep read another team's record)"));
    }
    if status.is_success() {
        let mut found = Vec::new();
        hidden_keys(&answer, &c.hidden, &mut found);
        if !found.is_empty() {
            r.failures
                .push(format!("{cell} (hidden fields {found:?} shown)"));
        }
    }
    let sent = match &payload {
        Payload::Json(body) => format!("{url} {body}"),
        _ => url.clone(),
    };
    let leaks = w.leaks(ci, &bytes, &sent);
    if !leaks.is_empty() {
        let text = String::from_utf8_lossy(&bytes);
        r.failures.push(format!(
            "{cell} (shows {} it may not read) {}",
            leaks.join(", "),
            text.chars().take(400).collect::<String>()
        ));
    }
    // A write that went through changed its records: later cells get new ones.
    if write && status.is_success() {
        for rec in &named {
            w.discard(ci, owner, rec.kind);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_for_every_role_and_owner_follows_the_written_policy() {
    let started = Instant::now();
    let (s, mut w) = setup().await;
    let doc = w.admin.get("/api/openapi.json").await;
    let mut r = Report {
        dump: std::env::var_os("KONTOR_MATRIX_DUMP")
            .map(|p| std::fs::File::create(p).expect("dump file")),
        ..Report::default()
    };
    let ops = operations(&doc, &mut r.failures);
    for ci in 0..w.callers.len() {
        for op in &ops {
            let checks = op.rule.is_some_and(|rule| !rule.3.is_empty());
            let owners: &[Owner] = match (checks, w.callers[ci].anonymous()) {
                (true, false) => &OWNERS,
                (true, true) => &[Owner::OtherTeam],
                (false, _) => &[Owner::Nobody],
            };
            for &owner in owners {
                cell(&mut w, &doc, op, ci, owner, &mut r).await;
            }
        }
    }
    // The lists once more, now that every caller has written what they may.
    for ci in 1..w.callers.len() {
        for op in ops
            .iter()
            .filter(|op| op.method == Method::GET && !op.path.contains('{'))
        {
            cell(&mut w, &doc, op, ci, Owner::Nobody, &mut r).await;
        }
    }
    let matrix_time = started.elapsed();

    exports_hide_hidden_columns_and_stay_in_scope(&mut w, &mut r.failures).await;
    search_hits_follow_the_read_scope(&s, &mut w, &mut r.failures).await;
    duplicate_warnings_do_not_spell_out_hidden_names(&mut w, &mut r.failures).await;

    eprintln!(
        "access matrix: {} operations, {} cells in {:.1} s ({:.1} s with the probes)",
        ops.len(),
        r.cells,
        matrix_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    for c in &w.callers {
        let line: Vec<String> = r
            .tally
            .iter()
            .filter(|((role, _), _)| *role == c.role)
            .map(|((_, s), n)| format!("{s}×{n}"))
            .collect();
        eprintln!("  {:>12}: {}", c.role, line.join(" "));
    }
    assert!(
        ops.len() > 70,
        "only {} operations: is the OpenAPI document complete?",
        ops.len()
    );
    assert!(
        r.failures.is_empty(),
        "{} breaches of the policy in {} cells and the export, search and duplicate probes:\n{}",
        r.failures.len(),
        r.cells,
        r.failures.join("\n")
    );
}

/// The exports (customers and products; CSV and XLSX, in both languages) never have a column of
/// a class the caller's roles hide, and the customer export holds only customers within the
/// export and read scopes.
async fn exports_hide_hidden_columns_and_stay_in_scope(w: &mut World, failures: &mut Vec<String>) {
    let (_, en) = w
        .admin
        .send(Method::GET, "/api/v1/permissions/catalog", None)
        .await;
    let (_, zh) = w
        .admin
        .clone()
        .zh()
        .send(Method::GET, "/api/v1/permissions/catalog", None)
        .await;
    let mut owners: HashMap<u64, Option<u64>> = HashMap::new();
    for (kind, query) in [("customers", "&scope=all"), ("products", "")] {
        let path = format!("/api/v1/{kind}/export");
        let rule = rule_for(&Method::GET, &path).expect("export is in POLICY");
        exports_of(w, failures, (&en, &zh), &mut owners, rule, &path, query).await;
    }
}

/// The export of one kind (`path`): customers' rows also stay within the export scope
/// (products have no owner).
async fn exports_of(
    w: &mut World,
    failures: &mut Vec<String>,
    (en, zh): (&Value, &Value),
    owners: &mut HashMap<u64, Option<u64>>,
    rule: &Rule,
    path: &str,
    query: &str,
) {
    let customers = path.contains("customers");
    for ci in 1..w.callers.len() {
        for (lang, catalog) in [("en", en), ("zh-CN", zh)] {
            for format in ["csv", "xlsx"] {
                let c = &w.callers[ci];
                let mut client = c.client.clone();
                client.lang = if lang == "en" { "en" } else { "zh-CN" };
                let url = format!("{path}?format={format}{query}");
                let (status, bytes) = call(&client, Method::GET, &url, &Payload::None).await;
                let cell = format!("{:>12} export {path} {format} {lang}: {status}", c.role);
                let e = expect(rule, c, &Method::GET, &NOBODY);
                if !answers(e, &Method::GET, status) {
                    failures.push(format!("{cell}, expected {e:?}"));
                }
                if !status.is_success() {
                    continue;
                }
                let rows = match format {
                    "csv" => {
                        let text = String::from_utf8_lossy(&bytes);
                        let text = text.trim_start_matches('\u{feff}');
                        text.lines()
                            .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
                            .collect::<Vec<_>>()
                    }
                    _ => {
                        use calamine::Reader;
                        let mut book =
                            calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("xlsx");
                        let sheet = book.sheet_names()[0].clone();
                        let range = book.worksheet_range(&sheet).expect("sheet");
                        range
                            .rows()
                            .map(|r| r.iter().map(|x| x.to_string()).collect())
                            .collect()
                    }
                };
                let text: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
                let leaks = w.leaks(ci, text.join(" ").as_bytes(), "");
                if !leaks.is_empty() {
                    failures.push(format!("{cell} (exports {})", leaks.join(", ")));
                }
                let Some(header) = rows.first() else {
                    failures.push(format!("{cell} (empty file)"));
                    continue;
                };
                let names: Vec<String> = catalog["field_classes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| c.hidden.iter().any(|h| f["key"] == h.as_str()))
                    .flat_map(|f| {
                        [f["key"].as_str(), f["name"].as_str()]
                            .into_iter()
                            .flatten()
                            .map(str::to_lowercase)
                    })
                    .collect();
                for h in header {
                    if names.iter().any(|n| h.to_lowercase().contains(n.as_str())) {
                        failures.push(format!("{cell} (hidden column {h:?} exported)"));
                    }
                }
                // Rows: the first column is the customer's id. Every exporter owns customers by
                // now (the matrix created some).
                if rows.len() < 2 {
                    failures.push(format!("{cell} (no rows)"));
                }
                let scope = c.scope(CRM, "export").min(c.scope(CRM, "read"));
                if scope == Scope::All || !customers {
                    continue;
                }
                for row in &rows[1..] {
                    let Some(id) = row.first().and_then(|x| x.parse::<u64>().ok()) else {
                        failures.push(format!("{cell} (a row without an id: {row:?})"));
                        continue;
                    };
                    let owner = match owners.get(&id) {
                        Some(o) => *o,
                        None => {
                            let v = w
                                .admin(Method::GET, &format!("/api/v1/customers/{id}"), None)
                                .await;
                            let o = v["owner"]["id"].as_u64();
                            owners.insert(id, o);
                            o
                        }
                    };
                    let c = &w.callers[ci];
                    if !c.reaches(scope, owner) {
                        failures.push(format!(
                            "{cell} (customer {id} of owner {owner:?} exported)"
                        ));
                    }
                }
            }
        }
    }
}

/// Every caller searches for customers, contacts and leads of each owner: found exactly when the
/// read scope reaches the owner (pool records: never found beyond what the caller may read), and
/// no hit shows a hidden field.
async fn search_hits_follow_the_read_scope(
    s: &TestServer,
    w: &mut World,
    failures: &mut Vec<String>,
) {
    let mut probes = Vec::new();
    for ci in 1..w.callers.len() {
        for owner in OWNERS {
            for kind in ["customer", "contact", "lead"] {
                let r = w.get(kind, ci, owner).await;
                probes.push((ci, owner, kind, r));
            }
        }
    }
    s.kontor().index_now().unwrap();
    for (ci, owner, kind, r) in probes {
        let c = &w.callers[ci];
        let term = first_word(&r.name);
        let url = format!("/api/v1/search?q={term}");
        let (status, hits) = c.client.send(Method::GET, &url, None).await;
        let cell = format!("{:>12} {owner:?} search {kind} {term}: {status}", c.role);
        if status != StatusCode::OK {
            failures.push(format!("{cell} {hits}"));
            continue;
        }
        let found = hits["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == kind && h["id"] == r.id);
        let readable = c.may_read(&r.owner, CRM);
        if found && !readable {
            failures.push(format!(
                "{cell} (found a record the caller may not read) {hits}"
            ));
        }
        // Pool records are searchable only with scope `all` (the index knows owners, not
        // pools): never more than the caller reads, but perhaps less.
        if !found && readable && !matches!(r.owner, Holder::Pool(_)) {
            failures.push(format!(
                "{cell} (missed a record the caller may read) {hits}"
            ));
        }
        let leaks = w.leaks(ci, hits.to_string().as_bytes(), &url);
        if !leaks.is_empty() {
            failures.push(format!("{cell} (shows {})", leaks.join(", ")));
        }
        let mut shown = Vec::new();
        hidden_keys(&hits, &c.hidden, &mut shown);
        if !shown.is_empty() {
            failures.push(format!("{cell} (hidden fields {shown:?} shown)"));
        }
    }
}

/// A name close to one the caller may not read: the duplicate check and the warning when saving
/// may say that a similar customer exists and who owns it, but never spell out its name. Runs
/// last: a probe that is not refused creates a customer whose name shares words with others.
async fn duplicate_warnings_do_not_spell_out_hidden_names(
    w: &mut World,
    failures: &mut Vec<String>,
) {
    for ci in 1..w.callers.len() {
        for owner in OWNERS {
            let r = w.get("customer", ci, owner).await;
            let (first, rest) = r.name.split_once(' ').unwrap();
            let last = if first.ends_with('a') { 'e' } else { 'a' };
            let near = format!("{}{last} {rest}", &first[..first.len() - 1]);
            let probes = [
                (
                    Method::GET,
                    format!("/api/v1/duplicates/check?name={}", near.replace(' ', "%20")),
                    Payload::None,
                ),
                (
                    Method::POST,
                    "/api/v1/customers".to_string(),
                    Payload::Json(json!({"name": near})),
                ),
            ];
            for (method, url, payload) in probes {
                let c = &w.callers[ci];
                let (status, bytes) = call(&c.client, method.clone(), &url, &payload).await;
                let leaks = w.leaks(ci, &bytes, &near);
                if !leaks.is_empty() {
                    failures.push(format!(
                        "{:>12} {owner:?} {method} {url} {near:?}: {status} (shows {}) {}",
                        w.callers[ci].role,
                        leaks.join(", "),
                        String::from_utf8_lossy(&bytes)
                    ));
                }
            }
        }
    }
}
