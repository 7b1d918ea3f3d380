import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { LifePosApiError } from '../lifepos/errors.js';
import { CrmApiError } from '../retailcrm/api-error.js';
import { seededTenant } from '../tenant-seed.js';
import { collectPageData, type PageSandbox } from './page-data.js';
import { FAVICON_SVG, type Flash, renderPage } from './page-view.js';

/**
 * `GET /` renders the page; `POST /page/...` are its forms. Each form calls the simulator method a
 * RetailCRM manager or a LIFE POS cashier would trigger (RetailCRM changes are `source: user`, so they
 * fire triggers; LIFE POS actions send notifications), then redirects back with 303 (POST/redirect/GET)
 * carrying a short result message.
 */

const SALE_ACTIONS = ['pay-cash', 'pay-card', 'pay-mixed', 'ship', 'complete', 'cancel', 'refund'] as const;
type SaleAction = (typeof SALE_ACTIONS)[number];

const text = z.string().trim().min(1);
const optionalId = z
  .string()
  .trim()
  .transform((value) => (value === '' ? null : Number(value)))
  .pipe(z.number().int().positive().nullable());

const forms = {
  status: z.object({ status: text }),
  store: z.object({
    store: z
      .string()
      .trim()
      .transform((value) => (value === '' ? null : value)),
  }),
  courier: z.object({ courier: optionalId }),
  payment: z.object({ type: text, status: text }),
  order: z.object({ store: text, deliveryType: text, courier: optionalId.optional() }),
};

class FormError extends Error {}

function parse<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const parsed = schema.safeParse(req.body ?? {});
  if (!parsed.success) {
    throw new FormError(
      `Форма заполнена неверно: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`,
    );
  }
  return parsed.data;
}

function describeError(error: unknown): string {
  if (error instanceof CrmApiError) {
    const details = Array.isArray(error.errors)
      ? error.errors.join('; ')
      : Object.entries(error.errors ?? {})
          .map(([field, message]) => `${field}: ${message}`)
          .join('; ');
    return `RetailCRM: ${error.errorMsg}${details ? ` (${details})` : ''}`;
  }
  if (error instanceof LifePosApiError) return `LIFE POS: ${error.code} — ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function back(res: Response, flash: Flash, anchor: string): void {
  const query = new URLSearchParams({ [flash.kind]: flash.text.slice(0, 500) });
  res.redirect(303, `/?${query.toString()}#${encodeURIComponent(anchor)}`);
}

/** Runs a form's action and redirects back to where the form was, with its result or error. */
function act(anchorOf: (req: Request) => string, action: (req: Request) => string) {
  return (req: Request, res: Response) => {
    let anchor = 'retailcrm';
    try {
      anchor = anchorOf(req);
    } catch {
      // An unknown account or payment: the action below reports it.
    }
    try {
      back(res, { kind: 'ok', text: action(req) }, anchor);
    } catch (error) {
      back(res, { kind: 'error', text: describeError(error) }, anchor);
    }
  };
}

function saleAction(sandbox: PageSandbox, org: string, sale: string, action: SaleAction): string {
  const lifepos = sandbox.lifepos;
  const unpaid = () => {
    const { sale: current, payments, refunds } = lifepos.sale(org, sale);
    const alive = <T extends { deleted_at: string | null; total_sum: { value: number } }>(list: T[]) =>
      list.filter((item) => item.deleted_at === null).reduce((sum, item) => sum + item.total_sum.value, 0);
    return current.total_sum.value - (alive(payments) - alive(refunds));
  };
  switch (action) {
    case 'pay-cash':
      lifepos.takePayment(org, sale, { cash: unpaid() });
      return 'Оплата наличными принята';
    case 'pay-card':
      lifepos.takePayment(org, sale, { card: unpaid() });
      return 'Оплата картой принята';
    case 'pay-mixed': {
      const rest = unpaid();
      // Cash in whole rubles (as a customer pays), the card covers the rest.
      const cash = rest >= 200 ? Math.floor(rest / 200) * 100 : Math.floor(rest / 2);
      lifepos.takePayment(org, sale, { cash, card: rest - cash });
      return 'Смешанная оплата принята';
    }
    case 'ship':
      lifepos.ship(org, sale);
      return 'Продажа отгружена';
    case 'complete':
      lifepos.complete(org, sale);
      return 'Продажа завершена';
    case 'cancel':
      lifepos.cancel(org, sale);
      return 'Продажа отменена';
    case 'refund':
      lifepos.refund(org, sale);
      return 'Возврат проведён';
  }
}

const code = (req: Request) => String(req.params.code);
const id = (req: Request) => Number(req.params.id);
const orderAnchor = (req: Request) => `rc-${code(req)}-${String(req.params.id)}`;

/** The page itself, with the outcome of the last form (`?ok=` / `?error=`). */
function showPage(sandbox: PageSandbox): express.RequestHandler {
  return (req, res) => {
    const ok = typeof req.query.ok === 'string' ? req.query.ok : undefined;
    const error = typeof req.query.error === 'string' ? req.query.error : undefined;
    const flash: Flash | undefined = error
      ? { kind: 'error', text: error }
      : ok
        ? { kind: 'ok', text: ok }
        : undefined;
    res
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(renderPage(collectPageData(sandbox), flash));
  };
}

/** A new order of a seeded tenant, as its manager creates one. */
function createOrderForm(sandbox: PageSandbox): express.RequestHandler {
  return act(
    (req) => `rc-${code(req)}`,
    (req) => {
      const tenant = seededTenant(sandbox, code(req));
      if (!tenant) throw new FormError(`Аккаунт ${code(req)} создан не сидом: заказ через форму не создать`);
      const input = parse(forms.order, req);
      const order = tenant.createOrder({
        store: input.store,
        deliveryType: input.deliveryType,
        courier: input.courier ?? null,
      });
      return `Создан заказ ${order.number}`;
    },
  );
}

/** What a RetailCRM manager does to an order: its status, shop, courier, payments. */
function orderForms(page: express.Router, crm: PageSandbox['retailcrm']): void {
  page.post(
    '/retailcrm/:code/orders/:id/status',
    act(orderAnchor, (req) => {
      const { status } = parse(forms.status, req);
      crm.setOrderStatus(code(req), id(req), status);
      return `Статус заказа изменён на «${crm.account(code(req)).statuses.get(status)?.name ?? status}»`;
    }),
  );
  page.post(
    '/retailcrm/:code/orders/:id/store',
    act(orderAnchor, (req) => {
      const { store } = parse(forms.store, req);
      crm.setShipmentStore(code(req), id(req), store);
      return store ? 'Магазин заказа изменён' : 'Магазин у заказа убран';
    }),
  );
  page.post(
    '/retailcrm/:code/orders/:id/courier',
    act(orderAnchor, (req) => {
      const { courier } = parse(forms.courier, req);
      crm.setCourier(code(req), id(req), courier);
      return courier ? 'Курьер назначен' : 'Курьер снят';
    }),
  );
  page.post(
    '/retailcrm/:code/orders/:id/payments',
    act(orderAnchor, (req) => {
      const { type, status } = parse(forms.payment, req);
      crm.addPayment(code(req), id(req), { type, status });
      return 'Оплата добавлена';
    }),
  );
  page.post(
    '/retailcrm/:code/payments/:id/status',
    act(
      (req) => {
        const found = crm.account(code(req)).findPayment('id', String(req.params.id));
        return found ? `rc-${code(req)}-${found.order.id}` : `rc-${code(req)}`;
      },
      (req) => {
        const { status } = parse(forms.status, req);
        crm.setPaymentStatus(code(req), id(req), status);
        return `Статус оплаты изменён на «${crm.account(code(req)).paymentStatuses.get(status)?.name ?? status}»`;
      },
    ),
  );
}

/** What a LIFE POS cashier does to a sale. */
function saleActionForm(sandbox: PageSandbox): express.RequestHandler {
  return act(
    (req) => `lp-${String(req.params.sale)}`,
    (req) => {
      const action = String(req.params.action);
      if (!(SALE_ACTIONS as readonly string[]).includes(action))
        throw new FormError(`Неизвестное действие ${action}`);
      return saleAction(sandbox, String(req.params.org), String(req.params.sale), action as SaleAction);
    },
  );
}

export function createPageRouter(sandbox: PageSandbox): express.Router {
  const router = express.Router();

  router.get('/favicon.ico', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').send(FAVICON_SVG);
  });
  router.get('/', showPage(sandbox));

  const page = express.Router();
  page.use(express.urlencoded({ extended: false, limit: '100kb' }));
  page.post('/retailcrm/:code/orders', createOrderForm(sandbox));
  orderForms(page, sandbox.retailcrm);
  page.post('/lifepos/:org/sales/:sale/:action', saleActionForm(sandbox));
  router.use('/page', page);
  return router;
}
