//! The diesel schema, written by hand to match `migrations/{sqlite,postgres,mysql}`.
//!
//! Only types all three backends share are used (BigInt, Integer, Text, Bool,
//! Timestamp in UTC, Binary, Double), so one schema serves every backend through
//! [`crate::db::DbConn`]. A test compares it with what the migrations create.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        email -> Text,
        password -> Text,
        is_active -> Bool,
        is_staff -> Bool,
        is_superuser -> Bool,
        date_joined -> Timestamp,
        last_login -> Nullable<Timestamp>,
    }
}

diesel::table! {
    profiles (id) {
        id -> BigInt,
        user_id -> BigInt,
        next_report_date -> Nullable<Timestamp>,
        reports -> Text,
        nag_period -> BigInt,
        next_nag_date -> Nullable<Timestamp>,
        ping_log_limit -> BigInt,
        check_limit -> BigInt,
        sort -> Text,
        tz -> Text,
        theme -> Nullable<Text>,
        deletion_notice_date -> Nullable<Timestamp>,
        deletion_scheduled_date -> Nullable<Timestamp>,
        last_active_date -> Nullable<Timestamp>,
        sms_limit -> BigInt,
        sms_sent -> BigInt,
        last_sms_date -> Nullable<Timestamp>,
        call_limit -> BigInt,
        calls_sent -> BigInt,
        last_call_date -> Nullable<Timestamp>,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        owner_id -> BigInt,
        api_key -> Text,
        api_key_readonly -> Text,
        badge_key -> Text,
        ping_key -> Nullable<Text>,
        show_slugs -> Bool,
        created -> Timestamp,
    }
}

diesel::table! {
    members (id) {
        id -> BigInt,
        user_id -> BigInt,
        project_id -> BigInt,
        role -> Text,
        transfer_request_date -> Nullable<Timestamp>,
    }
}

diesel::table! {
    checks (id) {
        id -> BigInt,
        code -> Text,
        project_id -> Nullable<BigInt>,
        name -> Text,
        slug -> Text,
        tags -> Text,
        description -> Text,
        kind -> Text,
        timeout -> BigInt,
        grace -> BigInt,
        schedule -> Text,
        tz -> Text,
        filter_subject -> Bool,
        filter_body -> Bool,
        filter_http_body -> Bool,
        filter_default_fail -> Bool,
        start_kw -> Text,
        success_kw -> Text,
        failure_kw -> Text,
        methods -> Text,
        manual_resume -> Bool,
        badge_key -> Text,
        n_pings -> BigInt,
        last_ping -> Nullable<Timestamp>,
        last_start -> Nullable<Timestamp>,
        last_start_rid -> Nullable<Text>,
        last_duration -> Nullable<BigInt>,
        has_confirmation_link -> Bool,
        alert_after -> Nullable<Timestamp>,
        status -> Text,
        created -> Timestamp,
    }
}

diesel::table! {
    pings (id) {
        id -> BigInt,
        check_id -> BigInt,
        n -> Nullable<BigInt>,
        created -> Timestamp,
        kind -> Nullable<Text>,
        scheme -> Text,
        remote_addr -> Nullable<Text>,
        method -> Text,
        ua -> Text,
        body -> Nullable<Binary>,
        exitstatus -> Nullable<Integer>,
        rid -> Nullable<Text>,
    }
}

diesel::table! {
    flips (id) {
        id -> BigInt,
        check_id -> BigInt,
        created -> Timestamp,
        processed -> Nullable<Timestamp>,
        old_status -> Text,
        new_status -> Text,
        reason -> Text,
    }
}

diesel::table! {
    channels (id) {
        id -> BigInt,
        code -> Text,
        project_id -> BigInt,
        name -> Text,
        kind -> Text,
        value -> Text,
        email_verified -> Bool,
        disabled -> Bool,
        last_notify -> Nullable<Timestamp>,
        last_notify_duration -> Nullable<BigInt>,
        last_error -> Text,
        created -> Timestamp,
    }
}

diesel::table! {
    channel_checks (channel_id, check_id) {
        channel_id -> BigInt,
        check_id -> BigInt,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        code -> Text,
        check_id -> Nullable<BigInt>,
        channel_id -> BigInt,
        flip_id -> Nullable<BigInt>,
        check_status -> Text,
        created -> Timestamp,
        status -> Text,
        attempts -> Integer,
        next_attempt -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
        error -> Text,
    }
}

diesel::table! {
    token_buckets (id) {
        id -> BigInt,
        value -> Text,
        tokens -> Double,
        updated -> Timestamp,
    }
}

diesel::table! {
    login_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        purpose -> Text,
        created -> Timestamp,
        expires -> Timestamp,
        used -> Nullable<Timestamp>,
    }
}

diesel::table! {
    emails (id) {
        id -> BigInt,
        code -> Text,
        from_email -> Text,
        to_email -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        headers -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt -> Nullable<Timestamp>,
        error -> Text,
        created -> Timestamp,
        sent -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        key_hash -> Text,
        user_id -> Nullable<BigInt>,
        created -> Timestamp,
        last_seen -> Timestamp,
        expires -> Timestamp,
        data -> Text,
    }
}

diesel::table! {
    receiver_heartbeats (id) {
        id -> BigInt,
        code -> Text,
        started -> Timestamp,
        last_seen -> Timestamp,
    }
}

diesel::table! {
    operator_notices (id) {
        id -> BigInt,
        kind -> Text,
        created -> Timestamp,
    }
}

diesel::joinable!(profiles -> users (user_id));
diesel::joinable!(projects -> users (owner_id));
diesel::joinable!(members -> users (user_id));
diesel::joinable!(members -> projects (project_id));
diesel::joinable!(checks -> projects (project_id));
diesel::joinable!(pings -> checks (check_id));
diesel::joinable!(flips -> checks (check_id));
diesel::joinable!(channels -> projects (project_id));
diesel::joinable!(channel_checks -> channels (channel_id));
diesel::joinable!(channel_checks -> checks (check_id));
diesel::joinable!(notifications -> channels (channel_id));
diesel::joinable!(login_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    profiles,
    projects,
    members,
    checks,
    pings,
    flips,
    channels,
    channel_checks,
    notifications,
    token_buckets,
    login_tokens,
    emails,
    receiver_heartbeats,
    operator_notices,
    sessions,
);
