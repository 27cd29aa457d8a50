/** JSON Schema building blocks (domain-free), shared by the config schema and the policies that own their fragments. */
/** Marks an OCI field that Gatehouse does not implement yet: an empty value (null, false, [], {}) loads. */
export const NOT_SUPPORTED = { notSupported: true };
export const nonEmptyString = { type: 'string', minLength: 1 };
export const stringList = { type: 'array', items: { type: 'string' } };
export function object(properties, required = []) {
    return { type: 'object', properties, required, additionalProperties: false };
}
/** `type` discriminated union: `branches` maps each type value to the schema its object must meet. */
export function byType(branches, unsupported = []) {
    const all = [...Object.keys(branches), ...unsupported];
    return {
        type: 'object',
        required: ['type'],
        properties: { type: { enum: all } },
        allOf: [
            ...Object.entries(branches).map(([t, schema]) => ({
                if: { properties: { type: { const: t } }, required: ['type'] },
                then: schema,
            })),
            ...unsupported.map((t) => ({
                if: { properties: { type: { const: t } }, required: ['type'] },
                then: { properties: { type: NOT_SUPPORTED } },
            })),
        ],
    };
}
