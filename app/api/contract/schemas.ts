// The JSON schemas (ajv, strict) each method's and stream's params are validated against on the
// serving side: the tables' params, said once more as data.
import { DRIVERS } from '../../base/vm-types';
import type { MethodName, StreamName } from './tables';

type Schema = Record<string, unknown>;
const obj = (properties: Record<string, Schema> = {}, required: string[] = []): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const containerId: Schema = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
  description: 'container id or name',
};
const imageRef: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: 512,
  pattern: '^[^\\s]+$',
  description: 'image reference',
};
const idParams = obj({ id: containerId }, ['id']);
const none = obj();

const settingsChangeSchema: Schema = obj({
  cpus: { type: 'integer' },
  memoryMiB: { type: 'integer' },
  diskGiB: { type: 'integer' },
  accel: { type: 'string' },
  arch: { type: 'string' },
  // Named here as well as in the settings schema: a driver this Berth does not know is refused
  // before any machine is made.
  driver: { type: 'string', enum: [...DRIVERS] },
  shares: { type: 'array', items: { type: 'string' } },
  engine: obj({
    insecureRegistries: { type: 'array', items: { type: 'string' } },
    registryMirrors: { type: 'array', items: { type: 'string' } },
  }),
});

export const METHOD_SCHEMAS: { [M in MethodName]: Schema } = {
  'machine.status': none,
  'machine.start': none,
  'machine.stop': obj({ shutdown: { type: 'boolean' } }),
  'machine.restart': none,
  'machine.create': obj({ settings: settingsChangeSchema }),
  'machine.console': obj({ lines: { type: 'integer', minimum: 1, maximum: 5000 } }),
  'settings.get': none,
  'settings.set': obj({ change: settingsChangeSchema }, ['change']),
  'engine.info': none,
  'containers.list': obj({ id: containerId }),
  'container.start': idParams,
  'container.stop': idParams,
  'container.restart': idParams,
  'container.pause': idParams,
  'container.unpause': idParams,
  'container.remove': obj({ id: containerId, force: { type: 'boolean' } }, ['id']),
  'container.inspect': idParams,
  'images.list': none,
  'image.remove': obj({ id: imageRef, force: { type: 'boolean' } }, ['id']),
  'images.prune': none,
  'image.run': obj(
    {
      image: imageRef,
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', description: 'container name' },
      ports: {
        type: 'array',
        maxItems: 64,
        items: obj(
          {
            container: {
              type: 'string',
              pattern: '^[0-9]{1,5}(/(tcp|udp|sctp))?$',
              description: 'container port (e.g. 80/tcp)',
            },
            host: { type: 'integer', minimum: 1, maximum: 65535, description: 'host port' },
          },
          ['container'],
        ),
      },
      env: {
        type: 'array',
        maxItems: 256,
        items: { type: 'string', pattern: '^[^=\\s]+=', description: 'environment line KEY=value' },
      },
      volumes: {
        type: 'array',
        maxItems: 64,
        items: obj(
          {
            source: { type: 'string', minLength: 1, maxLength: 4096, description: 'volume name or absolute path' },
            target: { type: 'string', pattern: '^/', maxLength: 4096, description: 'absolute path in the container' },
            readOnly: { type: 'boolean' },
          },
          ['source', 'target'],
        ),
      },
      cmd: { type: 'string', maxLength: 8192 },
    },
    ['image', 'ports', 'env', 'volumes'],
  ),
  'volumes.list': none,
  'volume.remove': obj(
    {
      name: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
        description: 'volume name',
      },
    },
    ['name'],
  ),
  'volumes.prune': none,
};

export const STREAM_SCHEMAS: { [S in StreamName]: { params: Schema; input?: Schema } } = {
  'engine.events': { params: none },
  'container.logs': {
    params: obj(
      { id: containerId, tail: { type: 'integer', minimum: 0, maximum: 1000000 }, timestamps: { type: 'boolean' } },
      ['id'],
    ),
  },
  'container.stats': { params: idParams },
  'container.exec': {
    params: obj(
      {
        id: containerId,
        cmd: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 4096 } },
        cols: { type: 'integer', minimum: 1, maximum: 1000 },
        rows: { type: 'integer', minimum: 1, maximum: 1000 },
      },
      ['id', 'cols', 'rows'],
    ),
    input: {
      oneOf: [
        obj({ kind: { const: 'stdin' }, data: { type: 'string', maxLength: 65536 } }, ['kind', 'data']),
        obj(
          {
            kind: { const: 'resize' },
            cols: { type: 'integer', minimum: 1, maximum: 1000 },
            rows: { type: 'integer', minimum: 1, maximum: 1000 },
          },
          ['kind', 'cols', 'rows'],
        ),
      ],
    },
  },
  'image.pull': { params: obj({ image: imageRef }, ['image']) },
  'machine.progress': { params: none },
};
