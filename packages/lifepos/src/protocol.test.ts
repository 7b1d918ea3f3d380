// Section names («…») in the test names are those of docs/LIFEPOS-API.md.
import { describe, expect, it } from '@jest/globals';
import { lifePosHeaders } from './headers.js';
import {
  jsonPointer,
  replaceFields,
  subscribeNotificationsPatch,
  unsubscribeNotificationsPatch,
} from './json-patch.js';
import { createMemoryTokenStore } from './token-store.js';

describe('JSON Patch encoding', () => {
  it('escapes pointer segments per RFC 6901', () => {
    expect(jsonPointer('extensions', 'notification_service', 'turned_on')).toBe(
      '/extensions/notification_service/turned_on',
    );
    expect(jsonPointer('a/b', '~c', 0)).toBe('/a~1b/~0c/0');
  });

  it('subscribes with one `add` of the whole extension (C1/C2 form)', () => {
    expect(
      subscribeNotificationsPatch({ url: 'https://connector.example/lifepos/notifications/s3cr3t' }),
    ).toEqual([
      {
        op: 'add',
        path: '/extensions/notification_service',
        value: {
          turned_on: true,
          primary_url_for_notifications: 'https://connector.example/lifepos/notifications/s3cr3t',
          version: '1.0',
        },
      },
    ]);
    const [withSecondary] = subscribeNotificationsPatch({
      url: 'https://a.example/x',
      secondaryUrl: 'https://b.example/x',
    });
    expect(withSecondary).toMatchObject({
      value: { secondary_url_for_notifications: 'https://b.example/x' },
    });
  });

  it('unsubscribes by turning the extension off', () => {
    expect(unsubscribeNotificationsPatch()).toEqual([
      { op: 'replace', path: '/extensions/notification_service/turned_on', value: false },
    ]);
  });

  it('replaceFields makes one replace per defined field', () => {
    expect(replaceFields({ name: 'Точка 2', address: undefined, meta: null })).toEqual([
      { op: 'replace', path: '/name', value: 'Точка 2' },
      { op: 'replace', path: '/meta', value: null },
    ]);
  });
});

describe('headers', () => {
  it('carries the «Required headers», the token only when given, and declared extensions', () => {
    const withToken = lifePosHeaders({
      clientId: 'client-id',
      language: 'ru-RU',
      requestId: 'req-1',
      token: 'tok',
      extensions: ['notification_service'],
      json: true,
    });
    expect(withToken).toMatchObject({
      'x-lp-client-identifier': 'client-id',
      'x-lp-client-type': 'Service',
      'accept-language': 'ru-RU',
      authorization: 'Bearer tok',
      'x-lp-client-extensions': 'notification_service',
      'content-type': 'application/json',
      'x-request-id': 'req-1',
    });
    const signIn = lifePosHeaders({ clientId: 'client-id', language: 'en-US', requestId: 'req-2' });
    expect(signIn.authorization).toBeUndefined();
    expect(signIn['x-lp-client-extensions']).toBeUndefined();
    expect(signIn['content-type']).toBeUndefined();
    expect(signIn['accept-language']).toBe('en-US');
  });
});

describe('memory token store', () => {
  it('forgets tokens after their ttl', async () => {
    let now = 1_000;
    const store = createMemoryTokenStore(() => now);
    await store.set('k', 'token-1', 500);
    expect(await store.get('k')).toBe('token-1');
    now = 1_499;
    expect(await store.get('k')).toBe('token-1');
    now = 1_500;
    expect(await store.get('k')).toBeUndefined();
    await store.set('k', 'token-2', 500);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
  });
});
