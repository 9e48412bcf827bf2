//! How domain values read in each language, wherever they are shown: in
//! chat, on the office's pages, in the public feed.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use crate::domain::{Category, Role, Status, UnitLevel, Urgency};

pub fn category(l: &FluentLanguageLoader, category: Category) -> String {
    match category {
        Category::Property => fl!(l, "category-property"),
        Category::Household => fl!(l, "category-household"),
        Category::Renovation => fl!(l, "category-renovation"),
        Category::Dispute => fl!(l, "category-dispute"),
        Category::Volunteer => fl!(l, "category-volunteer"),
        Category::SocialOrg => fl!(l, "category-social-org"),
        Category::Elderly => fl!(l, "category-elderly"),
        Category::Childcare => fl!(l, "category-childcare"),
        Category::Other => fl!(l, "category-other"),
    }
}

pub fn urgency(l: &FluentLanguageLoader, urgency: Urgency) -> String {
    match urgency {
        Urgency::Emergency => fl!(l, "urgency-emergency"),
        Urgency::Urgent => fl!(l, "urgency-urgent"),
        Urgency::Normal => fl!(l, "urgency-normal"),
        Urgency::Complex => fl!(l, "urgency-complex"),
    }
}

pub fn status(l: &FluentLanguageLoader, status: Status) -> String {
    match status {
        Status::Open => fl!(l, "status-open"),
        Status::Accepted => fl!(l, "status-accepted"),
        Status::Resolved => fl!(l, "status-resolved"),
        Status::Closed => fl!(l, "status-closed"),
        Status::Cancelled => fl!(l, "status-cancelled"),
        Status::Merged => fl!(l, "status-merged"),
    }
}

/// How a responder is named to residents: by role, never by account.
pub fn level(l: &FluentLanguageLoader, level: UnitLevel) -> String {
    match level {
        UnitLevel::Community => fl!(l, "level-community"),
        UnitLevel::Grid => fl!(l, "level-grid"),
        UnitLevel::Estate => fl!(l, "level-estate"),
        UnitLevel::Building => fl!(l, "level-building"),
    }
}

pub fn role(l: &FluentLanguageLoader, role: Role) -> String {
    match role {
        Role::Liaison => fl!(l, "role-liaison"),
        Role::Deputy => fl!(l, "role-deputy"),
        Role::GroupLeader => fl!(l, "role-group-leader"),
        Role::GridLeader => fl!(l, "role-grid-leader"),
        Role::Admin => fl!(l, "role-admin"),
        Role::Volunteer => fl!(l, "role-volunteer"),
    }
}
