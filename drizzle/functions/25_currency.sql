-- The one rule of a currency's precision: an amount may have at most the currency's minor units of
-- decimals (its own scale, trailing zeros aside). The posting and the payments that post later check it.
CREATE OR REPLACE FUNCTION currency_allows(p_currency text, p_amount numeric) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT min_scale(p_amount) <= c.minor_units FROM currencies c WHERE c.code = p_currency
$$;

-- A precision refusal, as the posting and the payments answer it.
CREATE OR REPLACE FUNCTION currency_precision_refusal(p_currency text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('failure', 'currency_precision', 'currency', c.code, 'minor_units', c.minor_units)
  FROM currencies c WHERE c.code = p_currency
$$;

-- An amount as decimal text in its currency's minor units (500.00 EUR, 500 JPY), never hiding a digit.
CREATE OR REPLACE FUNCTION currency_text(p_currency text, p_amount numeric) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT round(p_amount, greatest(coalesce((SELECT c.minor_units FROM currencies c WHERE c.code = p_currency), 2),
    min_scale(p_amount)))::text
$$;
