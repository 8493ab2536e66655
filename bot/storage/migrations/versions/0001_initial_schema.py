"""initial schema: borrowers, accounts, repayments, plan applications,
promises, reminders, case records

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 07:50:11.382522
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('borrowers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_borrowers'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('product', sa.String(length=32), nullable=False),
    sa.Column('lender', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('balance', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('minimum_payment', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('statement_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('last_extension_on', sa.Date(), nullable=True),
    sa.Column('on_personalised_plan', sa.Boolean(), nullable=False),
    sa.CheckConstraint("product IN ('credit_card', 'consumer_loan')", name=op.f('ck_accounts_product')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_accounts_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('borrower_id', 'lender', 'label', name=op.f('uq_accounts_borrower_id_lender_label'))
    )
    op.create_index(op.f('ix_accounts_borrower_id'), 'accounts', ['borrower_id'], unique=False)

    op.create_table('case_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=True),
    sa.Column('conversation_id', sa.String(length=128), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('dispute', 'complaint', 'fee_waiver', 'human', 'distress', 'crisis')", name=op.f('ck_case_records_category')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_case_records_borrower_id_borrowers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_records'))
    )
    op.create_index(op.f('ix_case_records_borrower_id'), 'case_records', ['borrower_id'], unique=False)

    op.create_table('payment_promises',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('promised_on', sa.Date(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_payment_promises_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_payment_promises_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_promises'))
    )
    op.create_index(op.f('ix_payment_promises_borrower_id'), 'payment_promises', ['borrower_id'], unique=False)

    op.create_table('plan_applications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('days', sa.Integer(), nullable=True),
    sa.Column('monthly_payment', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('apr', sa.Numeric(precision=8, scale=6), nullable=True),
    sa.Column('total_repay', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('installment', 'personalised', 'extension')", name=op.f('ck_plan_applications_kind')),
    sa.CheckConstraint("status IN ('submitted', 'withdrawn', 'approved', 'declined')", name=op.f('ck_plan_applications_status')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_plan_applications_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_plan_applications_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_applications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_plan_applications_dedupe_key')),
    sa.UniqueConstraint('reference', name=op.f('uq_plan_applications_reference'))
    )
    op.create_index(op.f('ix_plan_applications_account_id'), 'plan_applications', ['account_id'], unique=False)
    op.create_index(op.f('ix_plan_applications_borrower_id'), 'plan_applications', ['borrower_id'], unique=False)

    op.create_table('reminders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_reminders_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_reminders_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('borrower_id', 'account_id', name=op.f('uq_reminders_borrower_id_account_id'))
    )
    op.create_index('uq_reminders_borrower_id_all_accounts', 'reminders', ['borrower_id'], unique=True, sqlite_where=sa.text('account_id IS NULL'), postgresql_where=sa.text('account_id IS NULL'))

    op.create_table('repayments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_repayments_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repayments'))
    )
    op.create_index(op.f('ix_repayments_account_id'), 'repayments', ['account_id'], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes too; children first.
    for table in (
        "repayments", "reminders", "plan_applications", "payment_promises",
        "case_records", "accounts", "borrowers",
    ):
        op.drop_table(table)
