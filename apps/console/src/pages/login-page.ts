import { type Html, html } from '@connector/html';
import { formatWait } from '../login-throttle.js';
import { csrfField, layout, type PageContext, say } from './layout.js';

/** Why sign-ins are refused for now, and until when (also when the password given was right). */
export function throttledText(ctx: PageContext, waitMs: number): string {
  const wait = formatWait(waitMs, ctx.locale);
  return say(
    ctx,
    `Слишком много неудачных попыток входа. Повторите через ${wait}. Вход временно закрыт даже с верным паролем.`,
    `Too many failed sign-in attempts. Try again in ${wait}. Signing in is closed until then, even with the right password.`,
  );
}

export function loginPage(
  ctx: PageContext,
  view: { next: string; user?: string; failed?: boolean; throttledMs?: number },
): Html {
  return layout(
    ctx,
    say(ctx, 'Вход в консоль', 'Sign in to the console'),
    html`<section class="login">
  ${view.failed && html`<p class="notice error" role="alert">${say(ctx, 'Неверное имя пользователя или пароль.', 'Wrong user name or password.')}</p>`}
  ${view.throttledMs !== undefined && html`<p class="notice error" role="alert" data-throttled>${throttledText(ctx, view.throttledMs)}</p>`}
  <form method="post" action="/login">
    ${csrfField(ctx)}
    <input type="hidden" name="next" value="${view.next}">
    <div class="field">
      <label for="user">${say(ctx, 'Пользователь', 'User')}</label>
      <input type="text" id="user" name="user" autocomplete="username" required value="${view.user ?? ''}">
    </div>
    <div class="field">
      <label for="password">${say(ctx, 'Пароль', 'Password')}</label>
      <input type="password" id="password" name="password" autocomplete="current-password" required>
    </div>
    <button type="submit">${say(ctx, 'Войти', 'Sign in')}</button>
  </form>
</section>`,
  );
}

export function messagePage(
  ctx: PageContext,
  title: string,
  message: string,
  link?: { href: string; text: string },
): Html {
  return layout(
    ctx,
    title,
    html`<p class="notice error" role="alert">${message}</p>${link && html`<p><a href="${link.href}">${link.text}</a></p>`}`,
  );
}
