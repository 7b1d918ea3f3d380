import { type Html, html } from '../html.js';
import { csrfField, layout, type PageContext, say } from './layout.js';

export function loginPage(ctx: PageContext, view: { next: string; user?: string; failed?: boolean }): Html {
  return layout(
    ctx,
    say(ctx, 'Вход в консоль', 'Sign in to the console'),
    html`<section class="login">
  ${view.failed && html`<p class="notice error" role="alert">${say(ctx, 'Неверное имя пользователя или пароль.', 'Wrong user name or password.')}</p>`}
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
